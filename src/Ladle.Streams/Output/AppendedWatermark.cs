using DuckDB.NET.Data;
using Ladle.Core.Sql;
using Ladle.Engine.Store;

namespace Ladle.Streams.Output;

/// <summary>
/// The watermark of an append-only table's cut, kept up to date from the rows appended since the last one: the newest
/// of the previous watermark and the new rows' (their row numbers are past <c>after</c>, so DuckDB's zone maps skip the
/// rest of the table), spelled as the write path's measure spells it (<c>CAST(max(column) AS VARCHAR)</c>).
/// </summary>
internal static class AppendedWatermark
{
    public static string? Read(DuckDbStore store, string table, string seqColumn, string watermarkColumn, long after, string? previous)
    {
        var w = SqlDialect.DuckDb.Quote(watermarkColumn);
        using var connection = store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT CAST(max(m) AS VARCHAR) FROM (SELECT max({w}) AS m FROM {table} WHERE {SqlDialect.DuckDb.Quote(seqColumn)} > $1 " +
                              "UNION ALL SELECT CAST($2 AS TIMESTAMP))";
        command.Parameters.Add(new DuckDBParameter(after));
        command.Parameters.Add(new DuckDBParameter(previous is null ? DBNull.Value : previous));
        return command.ExecuteScalar() is string text ? text : null;
    }
}
