using System.Globalization;
using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Core.Model.Streams;
using Ladle.Core.Sql;
using Ladle.Engine;
using Ladle.Engine.Store;
using Ladle.Streams.Internal;
using Microsoft.Extensions.Logging;

namespace Ladle.Streams.Output;

/// <summary>One late event bound for the late dataset: its number and its values in the stream's column order.</summary>
internal sealed record LateRow(long Seq, object?[] Values);

/// <summary>
/// A stream's late events (late: side_dataset): appended, as they came, to <c>ladle_streams."&lt;stream&gt;__late"</c>
/// and published as the stream's late dataset. Late events are in the log like accepted ones and get their number in
/// log order, so a replay numbers them the same; the table's highest number says which ones it already holds, and
/// rows and that number are written in one statement, so each late event is in the dataset once across restarts.
/// </summary>
internal sealed class LateEvents(StreamDefinition stream, DatasetDefinition dataset, DuckDbStore store, Publisher publisher, TimeProvider clock, ILogger logger)
{
    private const int RowsPerStatement = 200;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private List<LateRow> _pending = [];

    private string Table => $"{WindowTable.Schema}.{SqlDialect.DuckDb.Quote(StreamDefinition.LateTableName(stream.Name))}";

    /// <summary>The highest late event number in the table.</summary>
    public long Written { get; private set; }

    private bool _publishOwed;

    /// <summary>Creates the table when missing and reads how far it got.</summary>
    public long Open()
    {
        using (var connection = store.Open())
        {
            DuckDbStore.Execute(connection, $"CREATE SCHEMA IF NOT EXISTS {WindowTable.Schema}");
            var columns = dataset.Columns.Select(c => $"{SqlDialect.DuckDb.Quote(c.Name)} {SqlDialect.DuckDb.TypeName(c.Type)}");
            DuckDbStore.Execute(connection, $"CREATE TABLE IF NOT EXISTS {Table} ({string.Join(", ", columns)})");
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT coalesce(max({SqlDialect.DuckDb.Quote(StreamDefinition.LateSequenceColumn)}), 0) FROM {Table}";
            Written = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        return Written;
    }

    /// <summary>The highest late event number in a published version of the dataset.</summary>
    public long PublishedSeq(long version)
    {
        using var connection = store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT coalesce(max({SqlDialect.DuckDb.Quote(StreamDefinition.LateSequenceColumn)}), 0) FROM {DuckDbStore.VersionTable(dataset.Name, version)}";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Publishes the table as it is (a first start, or late events written by a run that died before publishing them).</summary>
    public void PublishOwed()
    {
        lock (_gate) _publishOwed = true;
        Wake();
    }

    /// <summary>Called with late events after the log holds them; never waits.</summary>
    public void Enqueue(IReadOnlyList<LateRow> rows)
    {
        if (rows.Count == 0) return;
        lock (_gate) _pending.AddRange(rows);
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
            List<LateRow> rows;
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
                    await Task.Run(() => Append(fresh), CancellationToken.None);
                    Written = fresh[^1].Seq;
                }
                if (fresh.Count > 0 || owed)
                {
                    var outcome = await publisher.MaterializeOneAsync(dataset, "stream", null, CancellationToken.None);
                    if (!outcome.Published)
                    {
                        lock (_gate) _publishOwed = true;
                        Log.PublishFailed(logger, stream.Name, outcome.Error ?? outcome.Status.ToString());
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(++failures, 10)))), clock, cancellationToken);
                        Wake();
                        continue;
                    }
                }
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return; }
            catch (Exception e) when (e is DuckDBException or IOException or Core.Errors.LadleException)
            {
                Log.WriteFailed(logger, e, stream.Name);
                lock (_gate) _pending.InsertRange(0, rows);
                try { await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(++failures, 10)))), clock, cancellationToken); }
                catch (OperationCanceledException) { return; }
                Wake();
            }
        }
    }

    private void Append(IReadOnlyList<LateRow> rows)
    {
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        var width = stream.Columns.Count + 1;
        for (var at = 0; at < rows.Count; at += RowsPerStatement)
        {
            var chunk = rows.Skip(at).Take(RowsPerStatement).ToList();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var tuples = new List<string>(chunk.Count);
            var p = 0;
            foreach (var row in chunk)
            {
                tuples.Add("(" + string.Join(", ", Enumerable.Range(0, width).Select(_ => "$" + (++p).ToString(CultureInfo.InvariantCulture))) + ")");
                foreach (var value in row.Values) command.Parameters.Add(new DuckDBParameter(value ?? DBNull.Value));
                command.Parameters.Add(new DuckDBParameter(row.Seq));
            }
            command.CommandText = $"INSERT INTO {Table} VALUES {string.Join(", ", tuples)}";
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }
}
