using System.Threading.Channels;
using Ladle.Engine.State;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Access;

/// <summary>
/// The audit trail: every answered or refused request goes into a queue that one worker writes to the state
/// store in batches, so auditing costs the request path one enqueue. Disposing flushes what is queued.
/// When a write fails (a full disk, say) the entries are kept in memory, up to <see cref="MaxHeld"/>, and written
/// once the store takes them again; entries beyond that are counted as lost (<see cref="Lost"/>), logged, and the
/// loss itself is audited once writing works again. The worker outlives any exception (an unexpected one is logged
/// and handled like a refusal: the entries are kept and tried again), and stopping waits at most
/// <see cref="ShutdownWait"/> for the store to take the last entries.
/// </summary>
public sealed partial class AuditWriter : IAuditSink, IAsyncDisposable
{
    /// <summary>How many entries are kept in memory while the store refuses them (a few tens of MB at most).</summary>
    public const int MaxHeld = 100_000;

    /// <summary>How long stopping waits for the store to take what is still queued; past it the rest is counted lost.</summary>
    public static readonly TimeSpan ShutdownWait = TimeSpan.FromSeconds(10);

    private const int BatchSize = 1000;
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly IAuditStore _state;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly int _maxHeld;
    private readonly Channel<AuditEntry> _queue = Channel.CreateUnbounded<AuditEntry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;
    // Cancelled when stopping has waited ShutdownWait: a store call that hangs is abandoned rather than holding the stop.
    private readonly CancellationTokenSource _abandon = new();

    // Owned by the worker; the counts are also read by health and metrics.
    private readonly List<(long? Started, AuditRecord Record)> _held = [];
    private int _heldCount;
    private long _lost;
    private long _lostAudited;
    private bool _lastFailed;

    public AuditWriter(IAuditStore state, ILogger<AuditWriter> logger, TimeProvider? clock = null, int maxHeld = MaxHeld)
    {
        _state = state;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _maxHeld = maxHeld;
        _worker = Task.Run(WriteAsync);
    }

    /// <summary>Entries waiting in memory because the store refused them.</summary>
    public int Held => Volatile.Read(ref _heldCount);

    /// <summary>Entries dropped since start because more than <see cref="MaxHeld"/> were waiting.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public void Record(AuditEntry entry) => _queue.Writer.TryWrite(entry);

    /// <summary>
    /// Writes the start of a long read now, outside the batches, so that a process killed while it streams still
    /// leaves a "started" entry; the entry recorded when the read ends (with <see cref="AuditEntry.Started"/> set to the
    /// id returned) completes it. Returns null when the store refused it: the end is then recorded as a whole entry.
    /// </summary>
    public async ValueTask<long?> BeginAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            return await _state.BeginAuditAsync(ToRecord(entry), cancellationToken);
        }
        catch (Exception e) when (IsWriteFailure(e))
        {
            BeginFailed(_logger, entry.Dataset, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Waits until everything recorded so far is in the store, or was tried once more (tests, shutdown, the audit API);
    /// <paramref name="cancellationToken"/> stops the waiting, not the writing.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // After stopping nothing would answer the flush: there is nothing left to wait for.
        if (!_queue.Writer.TryWrite(new AuditEntry(default, "", "", "", "flush", "", 0, 0, "", TimeSpan.Zero) { Flushed = done })) return;
        await done.Task.WaitAsync(cancellationToken);
    }

    private static AuditRecord ToRecord(AuditEntry entry) =>
        new(entry.At, entry.Principal, entry.Interface, entry.Dataset, entry.Action, entry.Filters,
            entry.Rows, entry.Bytes, entry.Status, (long)entry.Duration.TotalMilliseconds, entry.Format, entry.Version, entry.Subject);

    private static bool IsWriteFailure(Exception e) =>
        e is StorageFullException or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException or IOException;

    private async Task WriteAsync()
    {
        var waiting = new List<TaskCompletionSource>();
        var retry = FirstRetry;
        var nextAttempt = DateTimeOffset.MinValue;
        var open = true;
        while (open)
        {
            var retryDue = false;
            if (_held.Count == 0)
            {
                open = await _queue.Reader.WaitToReadAsync();
            }
            else
            {
                // Entries are held: wake for new ones, or when it is time to try the store again.
                using var timer = new CancellationTokenSource();
                var readable = _queue.Reader.WaitToReadAsync().AsTask();
                var due = nextAttempt - _clock.GetUtcNow();
                var delay = due > TimeSpan.Zero ? Task.Delay(due, _clock, timer.Token) : Task.CompletedTask;
                await Task.WhenAny(readable, delay);
                await timer.CancelAsync();
                retryDue = _clock.GetUtcNow() >= nextAttempt;
                open = !readable.IsCompleted || await readable;
            }

            var healthy = _held.Count == 0;
            try
            {
                while (_queue.Reader.TryRead(out var entry))
                {
                    if (entry.Flushed is { } flushed) waiting.Add(flushed);
                    else Hold(entry);
                }
                // While the store refuses, new entries only join the held ones; the store is tried on its schedule, on a
                // flush, and a last time before stopping.
                if (_held.Count > 0 && (healthy || retryDue || waiting.Count > 0 || !open))
                {
                    if (await WriteHeldAsync())
                    {
                        retry = FirstRetry;
                    }
                    else
                    {
                        nextAttempt = _clock.GetUtcNow() + retry;
                        retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
                    }
                }
            }
            catch (Exception e)
            {
                // The audit trail must outlive whatever went wrong here: a dead worker would leave every later entry
                // queued forever and every flush waiting. What is held stays held, and is tried again on schedule.
                WorkerFailed(_logger, e);
                nextAttempt = _clock.GetUtcNow() + retry;
            }
            finally
            {
                foreach (var w in waiting) w.TrySetResult();
                waiting.Clear();
            }
        }
        if (_held.Count > 0)
        {
            Interlocked.Add(ref _lost, _held.Count);
            LostAtStop(_logger, _held.Count);
        }
    }

    private void Hold(AuditEntry entry)
    {
        if (_held.Count >= _maxHeld)
        {
            // Keep the oldest: what is held is then an unbroken stretch from the moment writing stopped.
            if (Interlocked.Increment(ref _lost) == _lostAudited + 1) Dropping(_logger, _maxHeld);
            return;
        }
        _held.Add((entry.Started, ToRecord(entry)));
        // Every entry passes through here on its way to the store; only those the store refused are "held".
        if (_lastFailed) Volatile.Write(ref _heldCount, _held.Count);
    }

    /// <summary>Writes held entries in batches, oldest first; false when the store still refuses them.</summary>
    private async Task<bool> WriteHeldAsync()
    {
        try
        {
            while (_held.Count > 0)
            {
                var batch = _held.GetRange(0, Math.Min(BatchSize, _held.Count));
                var whole = batch.Where(b => b.Started is null).Select(b => b.Record).ToList();
                var completions = batch.Where(b => b.Started is not null).Select(b => (b.Started!.Value, b.Record)).ToList();
                if (whole.Count > 0) await _state.AppendAuditAsync(whole, _abandon.Token);
                if (completions.Count > 0) await _state.CompleteAuditAsync(completions, _abandon.Token);
                _held.RemoveRange(0, batch.Count);
                Volatile.Write(ref _heldCount, _held.Count);
            }
            var lost = Interlocked.Read(ref _lost) - _lostAudited;
            if (lost > 0)
            {
                // The trail says itself where it has a hole, and how big.
                await _state.AppendAuditAsync([new AuditRecord(_clock.GetUtcNow(), "ladle", "audit", "audit", "entries lost", "",
                    lost, 0, AuditStatuses.Lost, 0)], _abandon.Token);
                _lostAudited += lost;
                LostRecorded(_logger, lost);
            }
            if (_lastFailed) Resumed(_logger);
            _lastFailed = false;
            return true;
        }
        catch (Exception e)
        {
            Volatile.Write(ref _heldCount, _held.Count);
            // Stopping gave up on the store: DisposeAsync has said what is lost.
            if (_abandon.IsCancellationRequested) return false;
            // Once per outage, not once per retry. A failure that is not the store refusing (a bug, a provider's
            // surprise) is logged whole, and its entries are kept like those of any refused write.
            if (!_lastFailed)
            {
                if (IsWriteFailure(e)) WriteFailed(_logger, _held.Count, e.Message);
                else WriteFailedUnexpectedly(_logger, e, _held.Count);
            }
            _lastFailed = true;
            Volatile.Write(ref _heldCount, _held.Count);
            return false;
        }
    }

    /// <summary>Writes what is queued, waiting at most <see cref="ShutdownWait"/> for the store; what it has not taken by then is lost.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _worker.WaitAsync(ShutdownWait, _clock);
        }
        catch (TimeoutException)
        {
            await _abandon.CancelAsync();
            ShutdownTimedOut(_logger, ShutdownWait.TotalSeconds, Held);
        }
    }

    [LoggerMessage(1500, LogLevel.Error, "Could not write {Count} audit entries; they are kept in memory and written once the store takes them again: {Reason}")]
    private static partial void WriteFailed(ILogger logger, int count, string reason);

    [LoggerMessage(1560, LogLevel.Information, "Audit entries are written to the store again")]
    private static partial void Resumed(ILogger logger);

    [LoggerMessage(1561, LogLevel.Error, "{Max} audit entries are waiting in memory for the store; further entries are lost (counted in ladle_audit_entries_lost_total) until it takes them again")]
    private static partial void Dropping(ILogger logger, int max);

    [LoggerMessage(1562, LogLevel.Error, "{Count} audit entries were lost while the store refused writes; an 'entries lost' entry records it in the audit log")]
    private static partial void LostRecorded(ILogger logger, long count);

    [LoggerMessage(1563, LogLevel.Error, "{Count} audit entries could not be written before stopping and are lost")]
    private static partial void LostAtStop(ILogger logger, int count);

    [LoggerMessage(1565, LogLevel.Error, "Could not write {Count} audit entries because of an unexpected error; they are kept in memory and tried again")]
    private static partial void WriteFailedUnexpectedly(ILogger logger, Exception exception, int count);

    [LoggerMessage(1566, LogLevel.Error, "The audit writer failed unexpectedly; it goes on, and entries it holds are tried again")]
    private static partial void WorkerFailed(ILogger logger, Exception exception);

    [LoggerMessage(1567, LogLevel.Error, "The state store did not take the last audit entries within {Seconds} s of stopping; {Count} held entries are lost")]
    private static partial void ShutdownTimedOut(ILogger logger, double seconds, int count);

    [LoggerMessage(1564, LogLevel.Warning, "Could not record the start of a read of {Dataset}; its end is recorded as a whole entry: {Reason}")]
    private static partial void BeginFailed(ILogger logger, string dataset, string reason);
}
