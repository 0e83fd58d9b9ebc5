using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Streams.Internal;
using Microsoft.Extensions.Logging;

namespace Ladle.Streams.Output;

/// <summary>
/// One worker that appends a stream's numbered rows (closed windows, late events) to their store table and publishes
/// the dataset over it through the write path. Rows come in number order and never wait; rows at or below
/// <see cref="Written"/> are already in the table and are skipped, so a replay never appends a row twice. Rows that
/// arrive while a publication runs go out together in the next one; a failed write or publication puts them back
/// in front and is tried again with a backoff, so nothing is lost.
/// </summary>
internal abstract class TableAppender<TRow>(string stream, DatasetDefinition dataset, Publisher publisher, TimeProvider clock, ILogger logger)
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private List<TRow> _pending = [];
    private bool _publishOwed;
    private string? _watermark;
    private bool _watermarkKnown;

    /// <summary>The highest row number in the store's table.</summary>
    public long Written { get; protected set; }

    /// <summary>The highest row number in a published version (as far as this run knows).</summary>
    public long PublishedUpTo { get; protected set; }

    /// <summary>Says how far the served version reaches, at start.</summary>
    public void StartPublished(long upTo) => PublishedUpTo = upTo;

    /// <summary>The dataset published over the table.</summary>
    protected DatasetDefinition Dataset => dataset;

    /// <summary>A row's number: its place in the table, in the order rows arrive.</summary>
    protected abstract long Seq(TRow row);

    /// <summary>Appends rows (all past <see cref="Written"/>, in order) to the table with what says how far it got, in one transaction.</summary>
    protected abstract void Append(IReadOnlyList<TRow> rows);

    /// <summary>The table's row number column (1, 2, … in append order): a version is the rows up to a number.</summary>
    protected abstract string SeqColumn { get; }

    /// <summary>The newest of <paramref name="previous"/> and the watermark of the table's rows numbered past <paramref name="after"/>.</summary>
    protected abstract string? ReadWatermark(long after, string? previous);

    /// <summary>Called with rows once they are in the table.</summary>
    protected virtual void OnAppended(IReadOnlyList<TRow> rows) { }

    /// <summary>Called once a publication holds every row up to <see cref="Written"/>.</summary>
    protected virtual void OnPublished() { }

    /// <summary>Called with rows in number order once the log holds them; never waits.</summary>
    public void Enqueue(IReadOnlyList<TRow> rows)
    {
        if (rows.Count == 0) return;
        lock (_gate) _pending.AddRange(rows);
        Wake();
    }

    /// <summary>Publishes the table as it is (a first start, or rows written by a run that died before publishing them).</summary>
    public void PublishOwed()
    {
        lock (_gate) _publishOwed = true;
        Wake();
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
            List<TRow> rows;
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
                var fresh = rows.Where(r => Seq(r) > Written).ToList();
                if (fresh.Count > 0)
                {
                    var before = Written;
                    await Task.Run(() =>
                    {
                        Append(fresh);
                        // Rows 1 … Written are the table; a first look at its watermark reads all of it, later ones only what was appended.
                        _watermark = ReadWatermark(_watermarkKnown ? before : 0, _watermark);
                        _watermarkKnown = true;
                    }, CancellationToken.None);
                    Written = Seq(fresh[^1]);
                    OnAppended(fresh);
                }
                if (fresh.Count > 0 || owed)
                {
                    if (!_watermarkKnown)
                    {
                        _watermark = await Task.Run(() => ReadWatermark(0, null), CancellationToken.None);
                        _watermarkKnown = true;
                    }
                    // The version is the table's rows up to Written: a view, not a copy, so its cost is that of what was appended.
                    var outcome = await publisher.MaterializeOneAsync(dataset, "stream", null, CancellationToken.None, new AppendCut(SeqColumn, Written, Written, _watermark));
                    if (outcome.Published)
                    {
                        PublishedUpTo = Written;
                        OnPublished();
                    }
                    else
                    {
                        Log.PublishFailed(logger, stream, outcome.Error ?? outcome.Status.ToString());
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
                // Nothing was lost: the rows go back in front of what arrived since, and are tried again.
                Log.WriteFailed(logger, e, stream);
                lock (_gate) _pending.InsertRange(0, rows);
                try { await Task.Delay(Backoff(++failures), clock, cancellationToken); }
                catch (OperationCanceledException) { return; }
                Wake();
            }
        }
    }

    private static TimeSpan Backoff(int failures) => TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(failures, 10))));
}
