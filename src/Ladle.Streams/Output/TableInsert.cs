using System.Globalization;
using DuckDB.NET.Data;

namespace Ladle.Streams.Output;

/// <summary>Inserts rows into a store table within a transaction, a few hundred rows per parameterised statement.</summary>
internal static class TableInsert
{
    private const int RowsPerStatement = 200;

    /// <summary>Inserts each row's values (<paramref name="width"/> of them, in the table's column order) into <paramref name="table"/>.</summary>
    public static void Rows<TRow>(DuckDBConnection connection, DuckDBTransaction transaction, string table, int width, IReadOnlyList<TRow> rows, Func<TRow, IEnumerable<object?>> values)
    {
        for (var at = 0; at < rows.Count; at += RowsPerStatement)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var count = Math.Min(RowsPerStatement, rows.Count - at);
            var tuples = new List<string>(count);
            var p = 0;
            for (var i = at; i < at + count; i++)
            {
                tuples.Add("(" + string.Join(", ", Enumerable.Range(0, width).Select(_ => "$" + (++p).ToString(CultureInfo.InvariantCulture))) + ")");
                foreach (var value in values(rows[i])) command.Parameters.Add(new DuckDBParameter(value ?? DBNull.Value));
            }
            command.CommandText = $"INSERT INTO {table} VALUES {string.Join(", ", tuples)}";
            command.ExecuteNonQuery();
        }
    }
}
