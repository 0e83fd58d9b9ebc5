using Npgsql;

namespace Ladle.Engine.Tests;

/// <summary>
/// The real PostgreSQL server that ./test.sh starts on loopback (LADLE_TEST_PG). Each test gets its own schema.
/// Without the server these tests fail, on purpose: run them through ./test.sh.
/// </summary>
public sealed class PostgresFixture
{
    public PostgresFixture()
    {
        ConnectionString = Environment.GetEnvironmentVariable("LADLE_TEST_PG")
            ?? throw new InvalidOperationException("LADLE_TEST_PG is not set: run the tests through ./test.sh, which starts PostgreSQL on loopback");
    }

    public string ConnectionString { get; }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<List<(string Query, long Calls, long Rows)>> StatementsAsync(string like)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT query, calls, rows FROM pg_stat_statements WHERE query LIKE $1", connection);
        command.Parameters.AddWithValue(like);
        await using var reader = await command.ExecuteReaderAsync();
        var result = new List<(string, long, long)>();
        while (await reader.ReadAsync()) result.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        return result;
    }

    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..12];
}
