using System.Globalization;
using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Core.Model.Streams;
using Ladle.Core.Sql;
using Ladle.Engine.Store;

namespace Ladle.Streams.Output;

/// <summary>
/// The store table holding every closed window of a stream (<c>ladle_streams."&lt;stream&gt;"</c>, the source of its
/// dataset's versions) and the stream's checkpoint: the highest window number written and the log offset it covers,
/// written in the same transaction as the windows, so a replay after a kill knows exactly which windows it owes.
/// </summary>
internal sealed class WindowTable(DuckDbStore store, StreamDefinition stream, DatasetDefinition dataset)
{
    public const string Schema = "ladle_streams";
    private const string Checkpoints = Schema + ".checkpoints";

    private string Table => $"{Schema}.{SqlDialect.DuckDb.Quote(stream.Name)}";

    /// <summary>Creates the schema, the stream's table and the checkpoint table when missing.</summary>
    public void Ensure()
    {
        using var connection = store.Open();
        DuckDbStore.Execute(connection, $"CREATE SCHEMA IF NOT EXISTS {Schema}");
        DuckDbStore.Execute(connection, $"CREATE TABLE IF NOT EXISTS {Checkpoints} (stream VARCHAR PRIMARY KEY, seq BIGINT NOT NULL, log_offset BIGINT NOT NULL, watermark TIMESTAMP)");
        var columns = dataset.Columns.Select(c => $"{SqlDialect.DuckDb.Quote(c.Name)} {SqlDialect.DuckDb.TypeName(c.Type)}");
        DuckDbStore.Execute(connection, $"CREATE TABLE IF NOT EXISTS {Table} ({string.Join(", ", columns)})");
    }

    /// <summary>The highest window number written and the log offset it covers (0, 0 before the first).</summary>
    public (long Seq, long LogOffset) ReadCheckpoint()
    {
        using var connection = store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT seq, log_offset FROM {Checkpoints} WHERE stream = $1";
        command.Parameters.Add(new DuckDBParameter(stream.Name));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    /// <summary>The highest window number in a published version of the dataset (0 when none).</summary>
    public long PublishedSeq(long version)
    {
        using var connection = store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT coalesce(max({SqlDialect.DuckDb.Quote(StreamDefinition.SequenceColumn)}), 0) FROM {DuckDbStore.VersionTable(dataset.Name, version)}";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>The newest of <paramref name="previous"/> and the window ends of windows numbered past <paramref name="after"/>.</summary>
    public string? ReadWatermark(long after, string? previous) =>
        AppendedWatermark.Read(store, Table, StreamDefinition.SequenceColumn, StreamDefinition.WindowEndColumn, after, previous);

    /// <summary>Appends windows and moves the checkpoint past them, in one transaction.</summary>
    public void Append(IReadOnlyList<WindowRow> rows)
    {
        if (rows.Count == 0) return;
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        TableInsert.Rows(connection, transaction, Table, dataset.Columns.Count, rows, Values);
        var last = rows[^1];
        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.Transaction = transaction;
            checkpoint.CommandText = $"INSERT OR REPLACE INTO {Checkpoints} VALUES ($1, $2, $3, $4)";
            checkpoint.Parameters.Add(new DuckDBParameter(stream.Name));
            checkpoint.Parameters.Add(new DuckDBParameter(last.Seq));
            checkpoint.Parameters.Add(new DuckDBParameter(last.LogOffset));
            checkpoint.Parameters.Add(new DuckDBParameter(last.Watermark == long.MinValue ? DBNull.Value : new DateTime(last.Watermark, DateTimeKind.Utc)));
            checkpoint.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>A window row's values in the dataset's column order: keys, window_start, window_end, aggregates, seq.</summary>
    private static IEnumerable<object?> Values(WindowRow row)
    {
        foreach (var key in row.Window.Keys) yield return key;
        yield return new DateTime(row.Window.Start, DateTimeKind.Utc);
        yield return new DateTime(row.Window.End, DateTimeKind.Utc);
        foreach (var aggregate in row.Window.Aggregates) yield return aggregate;
        yield return row.Seq;
    }
}
