using System.Globalization;
using Ladle.Core.Model;
using Ladle.Core.Model.Streams;
using Ladle.Core.Sql;
using Ladle.Engine;
using Ladle.Engine.Store;
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
    : TableAppender<LateRow>(stream.Name, dataset, publisher, clock, logger)
{
    private string Table => $"{WindowTable.Schema}.{SqlDialect.DuckDb.Quote(StreamDefinition.LateTableName(stream.Name))}";

    /// <summary>Creates the table when missing and reads how far it got.</summary>
    public long Open()
    {
        using (var connection = store.Open())
        {
            DuckDbStore.Execute(connection, $"CREATE SCHEMA IF NOT EXISTS {WindowTable.Schema}");
            var columns = Dataset.Columns.Select(c => $"{SqlDialect.DuckDb.Quote(c.Name)} {SqlDialect.DuckDb.TypeName(c.Type)}");
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
        command.CommandText = $"SELECT coalesce(max({SqlDialect.DuckDb.Quote(StreamDefinition.LateSequenceColumn)}), 0) FROM {DuckDbStore.VersionTable(Dataset.Name, version)}";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    protected override long Seq(LateRow row) => row.Seq;

    protected override string SeqColumn => StreamDefinition.LateSequenceColumn;

    protected override string? ReadWatermark(long after, string? previous) =>
        AppendedWatermark.Read(store, Table, StreamDefinition.LateSequenceColumn, stream.EventTime, after, previous);

    protected override void Append(IReadOnlyList<LateRow> rows)
    {
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        TableInsert.Rows(connection, transaction, Table, stream.Columns.Count + 1, rows, row => row.Values.Append(row.Seq));
        transaction.Commit();
    }
}
