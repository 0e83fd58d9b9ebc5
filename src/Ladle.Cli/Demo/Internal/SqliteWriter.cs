using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// Writes whole tables into a fresh SQLite file, each in one transaction through one prepared
/// command: the difference between seconds and minutes for tens of thousands of rows.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    /// <summary>How timestamps are stored: SQLite has no timestamp type, and this text sorts and parses everywhere.</summary>
    public const string TimestampFormat = "yyyy-MM-dd HH:mm:ss";

    private readonly SqliteConnection _connection;

    public SqliteWriter(string path)
    {
        if (File.Exists(path)) File.Delete(path);
        // No pooling: the file must be closed when we are done, so it can be moved, deleted or opened elsewhere.
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
    }

    /// <summary>Creates the table from its DDL and inserts every row; values are bound in column order.</summary>
    public long WriteTable<T>(string createTable, string table, IReadOnlyList<string> columns, IEnumerable<T> rows,
        Func<T, object?[]> values, CancellationToken ct)
    {
        using (var create = _connection.CreateCommand())
        {
            create.CommandText = createTable;
            create.ExecuteNonQuery();
        }
        using var transaction = _connection.BeginTransaction();
        using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
        var parameters = columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
        insert.Prepare();
        long count = 0;
        foreach (var row in rows)
        {
            if ((count & 0xFFF) == 0) ct.ThrowIfCancellationRequested();
            var rowValues = values(row);
            for (var i = 0; i < parameters.Length; i++) parameters[i].Value = ToSqlite(rowValues[i]);
            insert.ExecuteNonQuery();
            count++;
        }
        transaction.Commit();
        return count;
    }

    public void Dispose() => _connection.Dispose();

    private static object ToSqlite(object? value) => value switch
    {
        null => DBNull.Value,
        bool b => b ? 1L : 0L,
        DateTime t => t.ToString(TimestampFormat, CultureInfo.InvariantCulture),
        _ => value,
    };
}
