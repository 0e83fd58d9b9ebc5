using DuckDB.NET.Data;

namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// An in-memory DuckDB used only as a file writer: rows go in through the appender and out through
/// COPY, so Parquet and CSV files come from the same engine that will later read them.
/// </summary>
internal sealed class ScratchDuckDb : IDisposable
{
    private readonly DuckDBConnection _connection;

    public ScratchDuckDb()
    {
        _connection = new DuckDBConnection("DataSource=:memory:");
        _connection.Open();
    }

    public void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public DuckDBAppender CreateAppender(string table) => _connection.CreateAppender(table);

    /// <summary>Writes the query's rows to a Parquet file, replacing it.</summary>
    public void CopyToParquet(string query, string path) =>
        Execute($"COPY ({query}) TO {Quote(path)} (FORMAT parquet)");

    /// <summary>Writes the query's rows to a CSV file with a header line, replacing it.</summary>
    public void CopyToCsv(string query, string path) =>
        Execute($"COPY ({query}) TO {Quote(path)} (FORMAT csv, HEADER true, DELIMITER ',')");

    public void Dispose() => _connection.Dispose();

    private static string Quote(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";
}
