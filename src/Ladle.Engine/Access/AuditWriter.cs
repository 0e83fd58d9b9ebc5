using System.Threading.Channels;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Access;

/// <summary>
/// The audit trail: every answered or refused request goes into a queue that one worker writes to the state
/// store in batches, so auditing costs the request path one enqueue. Disposing flushes what is queued.
/// </summary>
public sealed partial class AuditWriter : IAuditSink, IAsyncDisposable
{
    private readonly IStateStore _state;
    private readonly ILogger _logger;
    private readonly Channel<AuditEntry> _queue = Channel.CreateUnbounded<AuditEntry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;

    public AuditWriter(IStateStore state, ILogger<AuditWriter> logger)
    {
        _state = state;
        _logger = logger;
        _worker = Task.Run(WriteAsync);
    }

    public void Record(AuditEntry entry) => _queue.Writer.TryWrite(entry);

    /// <summary>Waits until everything recorded so far is in the store (tests, shutdown).</summary>
    public async Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Writer.TryWrite(new AuditEntry(default, "", "", "", "flush", "", 0, 0, "", TimeSpan.Zero) { Flushed = done });
        await done.Task;
    }

    private async Task WriteAsync()
    {
        var batch = new List<AuditRecord>();
        var waiting = new List<TaskCompletionSource>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < 1000 && _queue.Reader.TryRead(out var entry))
            {
                if (entry.Flushed is { } flushed) { waiting.Add(flushed); continue; }
                batch.Add(new AuditRecord(entry.At, entry.Principal, entry.Interface, entry.Dataset, entry.Action, entry.Filters,
                    entry.Rows, entry.Bytes, entry.Status, (long)entry.Duration.TotalMilliseconds, entry.Subject));
            }
            try
            {
                await _state.AppendAuditAsync(batch, CancellationToken.None);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException or IOException)
            {
                WriteFailed(_logger, e, batch.Count);
            }
            batch.Clear();
            foreach (var w in waiting) w.TrySetResult();
            waiting.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker;
    }

    [LoggerMessage(1500, LogLevel.Error, "Could not write {Count} audit entries")]
    private static partial void WriteFailed(ILogger logger, Exception exception, int count);
}
