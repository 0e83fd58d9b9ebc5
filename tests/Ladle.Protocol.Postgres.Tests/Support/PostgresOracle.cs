using Npgsql;
using NpgsqlTypes;

namespace Ladle.Protocol.Postgres.Tests.Support;

/// <summary>
/// The real PostgreSQL 15 the tests run beside (LADLE_TEST_PG): asked how it spells a value in text (its output
/// function) and in binary (its send function), so the codecs are checked against the server itself.
/// </summary>
public sealed class PostgresOracle : IAsyncLifetime
{
    private NpgsqlConnection? _connection;

    public static string ConnectionString => Environment.GetEnvironmentVariable("LADLE_TEST_PG")
        ?? throw new InvalidOperationException("LADLE_TEST_PG is not set: run the tests through ./test.sh, which starts PostgreSQL on loopback");

    public NpgsqlConnection Connection => _connection ?? throw new InvalidOperationException("The oracle is not open.");

    public async Task InitializeAsync()
    {
        _connection = new NpgsqlConnection(ConnectionString);
        await _connection.OpenAsync();
        await using var command = new NpgsqlCommand("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex'", _connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    /// <summary>PostgreSQL's text output and send bytes of <paramref name="value"/> cast to <paramref name="type"/>.</summary>
    public async Task<(string Text, byte[] Binary)> SpellAsync(string type, string sendFunction, object value, NpgsqlDbType? dbType = null)
    {
        // The output function, not a cast to text: boolean's cast spells 'true' where boolout (and the wire) says 't'.
        var output = type == "boolean" ? "textin(boolout($1::boolean))" : $"($1::{type})::text";
        await using var command = new NpgsqlCommand($"SELECT {output}, {sendFunction}($1::{type})", Connection);
        var parameter = dbType is null ? new NpgsqlParameter { Value = value } : new NpgsqlParameter { Value = value, NpgsqlDbType = dbType.Value };
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), (byte[])reader[1]);
    }
}
