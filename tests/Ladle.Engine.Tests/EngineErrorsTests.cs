using System.Globalization;
using DuckDB.NET.Data;
using Ladle.Engine.Sql;
using Npgsql;

namespace Ladle.Engine.Tests;

/// <summary>Engine errors as Ladle repeats them: the statement's errors in full, the data's by kind, never a row's value.</summary>
public sealed class EngineErrorsTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const string Secret = "ana.secret@example.com";

    private static Exception DuckDbError(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Assert.Throws<DuckDBException>(() => command.ExecuteScalar());
    }

    private async Task<Exception> PostgresErrorAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(pg.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
    }

    [Fact]
    public void A_duckdb_conversion_error_keeps_its_kind_and_loses_the_value()
    {
        var error = DuckDbError($"SELECT CAST('{Secret}' AS INTEGER)");
        Assert.Contains(Secret, error.Message, StringComparison.Ordinal);   // what DuckDB says
        Assert.True(EngineErrors.IsDataError(error));
        var described = EngineErrors.Describe(error);
        Assert.StartsWith("Conversion Error", described, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, described, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duckdb_binder_error_is_about_the_statement_and_kept_whole()
    {
        var error = DuckDbError("SELECT no_such_column FROM (SELECT 1 AS a)");
        Assert.False(EngineErrors.IsDataError(error));
        Assert.Contains("no_such_column", EngineErrors.Describe(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_postgres_data_exception_keeps_its_sqlstate_and_loses_the_value()
    {
        var error = await PostgresErrorAsync($"SELECT '{Secret}'::integer");
        Assert.True(EngineErrors.IsDataError(error));
        var described = EngineErrors.Describe(error);
        Assert.Contains("22P02", described, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, described, StringComparison.Ordinal);

        var undefined = await PostgresErrorAsync("SELECT no_such_column FROM pg_class");
        Assert.False(EngineErrors.IsDataError(undefined));
        Assert.Contains("no_such_column", EngineErrors.Describe(undefined), StringComparison.Ordinal);
    }

    [Fact]
    public void A_dotnet_conversion_of_a_read_value_is_described_without_it()
    {
        var error = Assert.Throws<FormatException>(() => double.Parse(Secret, CultureInfo.InvariantCulture));
        Assert.True(EngineErrors.IsDataError(error));
        Assert.DoesNotContain(Secret, EngineErrors.Describe(error), StringComparison.Ordinal);
    }
}
