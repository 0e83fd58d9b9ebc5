using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Streams.Internal;
using Microsoft.Extensions.Logging;

namespace Ladle.Streams.Output;

/// <summary>
/// Takes a stream's closed windows as they close and, on one worker, appends them to the stream's table (with the
/// checkpoint) and publishes the windows dataset through the write path, so each window is in the dataset once.
/// Windows that closed while a publication ran go out together in the next one.
/// </summary>
internal sealed class StreamOutput(StreamLiveFeed feed, DatasetDefinition dataset, WindowTable table, Publisher publisher, TimeProvider clock, ILogger logger)
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private List<WindowRow> _pending = [];
    private bool _publishOwed;

    /// <summary>Called with windows once they are in the store's table (alert rules look at them), in order.</summary>
    public Action<IReadOnlyList<WindowRow>>? OnWritten { get; init; }

    /// <summary>The highest window number in the store's table.</summary>
    public long Written { get; private set; }

    /// <summary>Called with the windows a batch (or replay) closed, in order; never waits.</summary>
    public void Enqueue(IReadOnlyList<WindowRow> rows)
    {
        lock (_gate) _pending.AddRange(rows);
        Wake();
    }

    /// <summary>Publishes the table as it is (windows written by a run that died before publishing).</summary>
    public void PublishOwed()
    {
        lock (_gate) _publishOwed = true;
        Wake();
    }

    public void Start(long written, long published)
    {
        Written = written;
        feed.Published(published);
    }

    private void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); } catch (SemaphoreFullException) { }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try { await _signal.WaitAsync(cancellationToken); }
            catch (OperationCanceledException) { return; }
            List<WindowRow> rows;
            bool owed;
            lock (_gate)
            {
                rows = _pending;
                _pending = [];
                owed = _publishOwed;
                _publishOwed = false;
            }
            try
            {
                var fresh = rows.Where(r => r.Seq > Written).ToList();
                if (fresh.Count > 0)
                {
                    await Task.Run(() => table.Append(fresh), CancellationToken.None);
                    Written = fresh[^1].Seq;
                    OnWritten?.Invoke(fresh);
                }
                if (fresh.Count > 0 || owed)
                {
                    var outcome = await publisher.MaterializeOneAsync(dataset, "stream", null, CancellationToken.None);
                    if (outcome.Published) feed.Published(Written);
                    else
                    {
                        Log.PublishFailed(logger, dataset.Stream!, outcome.Error ?? outcome.Status.ToString());
                        lock (_gate) _publishOwed = true;
                        await Task.Delay(Backoff(++failures), clock, cancellationToken);
                        Wake();
                        continue;
                    }
                }
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return; }
            catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException or IOException or Core.Errors.LadleException)
            {
                // Nothing was lost: the windows go back in front of what closed since, and are tried again.
                Log.WriteFailed(logger, e, dataset.Stream!);
                lock (_gate) _pending.InsertRange(0, rows);
                try { await Task.Delay(Backoff(++failures), clock, cancellationToken); }
                catch (OperationCanceledException) { return; }
                Wake();
            }
        }
    }

    private static TimeSpan Backoff(int failures) => TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(failures, 10))));
}
