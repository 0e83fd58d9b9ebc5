using System.Diagnostics;
using Npgsql;

namespace Ladle.Server.Tests.Postgres;

/// <summary>Real clients against the session: Npgsql (extended protocol, binary results, COPY, cancel) and psql.</summary>
public sealed class PgClientTests(PgWireFixture fixture) : IClassFixture<PgWireFixture>
{
    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(fixture.Listener.ConnectionString());
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task Npgsql_reads_dataset_rows_in_binary()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT order_id, region, amount, ordered_at, note FROM orders WHERE order_id <= 3 ORDER BY order_id", connection);
        await using var reader = await command.ExecuteReaderAsync();

        Assert.True(await reader.ReadAsync());
        Assert.Equal(1L, reader.GetInt64(0));
        Assert.Equal("US", reader.GetString(1));
        Assert.Equal(1.01m, reader.GetDecimal(2));
        Assert.Equal(new DateTime(2026, 2, 2, 1, 15, 0), reader.GetDateTime(3));
        Assert.Equal("plain", reader.GetString(4));
        Assert.Equal("bigint", reader.GetDataTypeName(0));
        Assert.Equal("numeric(38, 10)", reader.GetDataTypeName(2)); // a decimal column carries its typmod
        Assert.Equal("timestamp without time zone", reader.GetDataTypeName(3));
        var rows = 1;
        while (await reader.ReadAsync()) rows++;
        Assert.Equal(3, rows);
    }

    [Fact]
    public async Task Npgsql_reads_every_served_type_in_binary_with_its_postgresql_type()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT 1::smallint AS i2, 2::integer AS i4, 3::bigint AS i8, 1.5::real AS f4, 2.5::double AS f8, 1.23::decimal(10,2) AS n,
                   true AS b, 'x' AS t, DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 03:04:05' AS ts,
                   TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tz, INTERVAL '1 day 2 hours' AS iv,
                   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, '\xDE\xAD'::blob AS bytes
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.Equal(["smallint", "integer", "bigint", "real", "double precision", "numeric(10, 2)", "boolean", "text", "date",
            "timestamp without time zone", "timestamp with time zone", "interval", "uuid", "bytea"],
            Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeName));
        Assert.Equal((short)1, reader.GetInt16(0));
        Assert.Equal(2, reader.GetInt32(1));
        Assert.Equal(3L, reader.GetInt64(2));
        Assert.Equal(1.5f, reader.GetFloat(3));
        Assert.Equal(2.5, reader.GetDouble(4));
        Assert.Equal(1.23m, reader.GetDecimal(5));
        Assert.True(reader.GetBoolean(6));
        Assert.Equal("x", reader.GetString(7));
        Assert.Equal(new DateOnly(2024, 1, 2), reader.GetFieldValue<DateOnly>(8));
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5), reader.GetDateTime(9));
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), reader.GetFieldValue<DateTime>(10));
        Assert.Equal(TimeSpan.FromHours(26), reader.GetTimeSpan(11));
        Assert.Equal(Guid.Parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), reader.GetGuid(12));
        Assert.Equal(new byte[] { 0xde, 0xad }, reader.GetFieldValue<byte[]>(13));
    }

    [Fact]
    public async Task Prepared_statements_bind_parameters_of_several_types()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM orders WHERE order_id <= $1 AND region = $2 AND amount >= $3 AND ordered_at >= $4", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = 30L });
        command.Parameters.Add(new NpgsqlParameter { Value = "EU" });
        command.Parameters.Add(new NpgsqlParameter { Value = 0m });
        command.Parameters.Add(new NpgsqlParameter { Value = new DateTime(2020, 1, 1), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Timestamp });
        await command.PrepareAsync();
        Assert.Equal(10L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));

        command.Parameters[0].Value = 60L;
        Assert.Equal(20L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_prepared_statement_is_described_once_and_runs_again()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) AS n, max(order_id) AS top FROM orders", connection);
        await command.PrepareAsync();
        Assert.True(command.IsPrepared);
        for (var i = 0; i < 2; i++)
        {
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal((long)RetailServerFixture.Orders, reader.GetInt64(0));
            Assert.Equal((long)RetailServerFixture.Orders, Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Session_commands_drivers_send_are_answered_without_the_engine()
    {
        await using var connection = await OpenAsync();
        foreach (var sql in new[]
        {
            "SET extra_float_digits = 3", "SET application_name = 'PostgreSQL JDBC Driver'", "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED",
            "SET DateStyle = 'ISO'", "SET TIME ZONE 'UTC'", "SET statement_timeout = 0", "BEGIN", "SET TRANSACTION READ ONLY", "COMMIT", "DISCARD ALL",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        await using var show = new NpgsqlCommand("SHOW standard_conforming_strings", connection);
        Assert.Equal("on", await show.ExecuteScalarAsync());
        await using var transaction = await connection.BeginTransactionAsync();
        await using var inside = new NpgsqlCommand("SELECT 1", connection, transaction);
        Assert.Equal(1, Convert.ToInt32(await inside.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        await transaction.CommitAsync();
    }

    [Fact]
    public async Task Npgsql_and_psql_set_a_parameter_with_set_config_and_read_it_back_with_current_setting()
    {
        await using var connection = await OpenAsync();
        await using (var set = new NpgsqlCommand("SELECT pg_catalog.set_config(@name, @value, false)", connection))
        {
            set.Parameters.AddWithValue("name", "application_name");
            set.Parameters.AddWithValue("value", "report-builder");
            Assert.Equal("report-builder", await set.ExecuteScalarAsync());
        }

        await using (var read = new NpgsqlCommand("SELECT current_setting('application_name')", connection))
            Assert.Equal("report-builder", await read.ExecuteScalarAsync());
        await using (var show = new NpgsqlCommand("SHOW application_name", connection))
            Assert.Equal("report-builder", await show.ExecuteScalarAsync());

        // psql's own scripts (pg_dump's header) set the search path this way.
        var (code, output, error) = await PsqlAsync("-c", "SELECT pg_catalog.set_config('search_path', '', false)", "-c", "SHOW search_path",
            "-c", "SELECT current_setting('search_path') = '' AS emptied");
        Assert.True(code == 0, error);
        Assert.Equal(["", "", "t"], output.Split('\n', StringSplitOptions.TrimEntries)[..3]);
    }

    [Fact]
    public async Task Copy_to_stdout_exports_every_row_in_text_and_binary()
    {
        await using var connection = await OpenAsync();
        using (var text = await connection.BeginTextExportAsync("COPY (SELECT order_id, region, note FROM orders ORDER BY order_id) TO STDOUT"))
        {
            var lines = new List<string>();
            while (await text.ReadLineAsync() is { } line) lines.Add(line);
            Assert.Equal(RetailServerFixture.Orders, lines.Count);
            Assert.Equal("1\tUS\tplain", lines[0]);
            Assert.Equal("11\tAPAC\t\\N", lines[10]);
        }

        await using var binary = await connection.BeginBinaryExportAsync("COPY (SELECT order_id, amount, ordered_at FROM orders WHERE order_id <= 2 ORDER BY order_id) TO STDOUT (FORMAT binary)");
        Assert.Equal(3, await binary.StartRowAsync());
        Assert.Equal(1L, await binary.ReadAsync<long>());
        Assert.Equal(1.01m, await binary.ReadAsync<decimal>());
        Assert.Equal(new DateTime(2026, 2, 2, 1, 15, 0), await binary.ReadAsync<DateTime>(NpgsqlTypes.NpgsqlDbType.Timestamp));
        Assert.Equal(3, await binary.StartRowAsync());
        Assert.Equal(2L, await binary.ReadAsync<long>());
        await binary.SkipAsync();
        await binary.SkipAsync();
        Assert.Equal(-1, await binary.StartRowAsync());
    }

    [Fact]
    public async Task A_million_rows_stream_to_the_client_without_a_cap()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT range AS n FROM range(1000000)", connection);
        await using var reader = await command.ExecuteReaderAsync();
        long rows = 0, sum = 0;
        while (await reader.ReadAsync())
        {
            rows++;
            sum += reader.GetInt64(0);
        }

        Assert.Equal(1_000_000, rows);
        Assert.Equal(999_999L * 1_000_000 / 2, sum);
    }

    [Fact]
    public async Task Cancel_stops_the_running_statement_with_57014_and_the_session_goes_on()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT sum(a.a * b.b) FROM range(1000000) a, range(1000000) b", connection);
        var running = command.ExecuteScalarAsync();
        // A CancelRequest that arrives before the statement starts cancels nothing (as in PostgreSQL): send until it lands.
        for (var i = 0; i < 300 && !running.IsCompleted; i++)
        {
            await Task.Delay(200);
            command.Cancel();
        }

        // Npgsql reports a cancel it asked for as OperationCanceledException around the server's 57014.
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal("57014", Assert.IsType<PostgresException>(error.InnerException).SqlState);
        await using var next = new NpgsqlCommand("SELECT 2", connection);
        Assert.Equal(2, Convert.ToInt32(await next.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Statement_timeout_stops_a_long_statement_with_57014()
    {
        await using var connection = await OpenAsync();
        await using (var set = new NpgsqlCommand("SET statement_timeout = '300ms'", connection)) await set.ExecuteNonQueryAsync();
        await using var command = new NpgsqlCommand("SELECT sum(a.a * b.b) FROM range(1000000) a, range(1000000) b", connection);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
        Assert.Equal("57014", error.SqlState);
        Assert.Contains("statement timeout", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_table_is_42P01_to_npgsql()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT * FROM no_such_table", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteReaderAsync());
        Assert.Equal("42P01", error.SqlState);
    }

    [Fact]
    public async Task Psql_runs_queries_and_copies_a_query_to_a_file()
    {
        var file = Path.Combine(fixture.Server.Root, "orders-export.csv");
        var (code, output, error) = await PsqlAsync(
            "-c", "SELECT 1 AS one; SELECT region, count(*) AS n FROM orders GROUP BY region ORDER BY region",
            "-c", $"\\copy (SELECT order_id, region FROM orders WHERE order_id <= 3 ORDER BY order_id) TO '{file}' WITH (FORMAT csv, HEADER)");

        Assert.True(code == 0, error);
        Assert.Contains("APAC|782", output, StringComparison.Ordinal);
        Assert.Contains("COPY 3", output, StringComparison.Ordinal);
        Assert.Equal(["order_id,region", "1,US", "2,APAC", "3,EU"], await File.ReadAllLinesAsync(file));
    }

    private async Task<(int Code, string Output, string Error)> PsqlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/psql")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            Environment = { ["PGCONNECT_TIMEOUT"] = "20", ["PGSSLMODE"] = "prefer" },
        };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", fixture.Listener.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "local", "-d", "retail", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1" })
            start.ArgumentList.Add(argument);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await error);
    }
}
