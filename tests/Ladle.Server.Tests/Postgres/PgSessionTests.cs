using static Ladle.Server.Tests.Postgres.PgWireClient;

namespace Ladle.Server.Tests.Postgres;

/// <summary>The query protocol over a real loopback socket, message by message, for what drivers do not show.</summary>
public sealed class PgSessionTests(PgWireFixture fixture) : IClassFixture<PgWireFixture>
{
    private Task<PgWireClient> ConnectAsync() => PgWireClient.ConnectAsync(fixture.Listener.Port);

    [Fact]
    public async Task A_regclass_asked_for_in_binary_is_the_relations_oid_as_postgresql_sends_it()
    {
        await using var client = await ConnectAsync();
        const string sql = "SELECT c.oid::regclass AS r, c.oid FROM pg_catalog.pg_class c WHERE c.relname = 'orders'";
        await client.SendAsync([
            .. Parse("", sql), .. Bind("", "", [], resultFormat: 1), .. Describe('P', ""), .. Execute("", 0),
            .. Parse("", sql), .. Bind("", "", [], resultFormat: 0), .. Execute("", 0), .. Sync()]);
        var replies = await client.ReadUntilReadyAsync();

        Assert.Equal("12TDC" + "12DC" + "Z", Types(replies));
        // RowDescription: regclass (2205) in binary, beside the oid (26).
        var description = replies[2].Body;
        var at = Array.IndexOf(description, (byte)0, 2) + 1;
        Assert.Equal(2205, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(description.AsSpan(at + 6)));
        Assert.Equal(1, System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(description.AsSpan(at + 16)));
        // Its value is the relation's OID, four bytes: the oid column's number; in text it is the relation's name.
        var binary = replies[3].Body;
        Assert.Equal(4, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(binary.AsSpan(2)));
        var oid = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(binary.AsSpan(6));
        Assert.Equal("orders|" + oid.ToString(System.Globalization.CultureInfo.InvariantCulture), replies[7].Row);
    }

    [Fact]
    public async Task Several_statements_in_one_query_are_answered_each_in_turn()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("SELECT 1 AS a; SELECT 'x' AS b, 2 AS c"));
        var replies = await client.ReadUntilReadyAsync();

        Assert.Equal("TDCTDCZ", Types(replies));
        Assert.Equal(string.Join("|", new[] { "1" }), replies[1].Row);
        Assert.Equal("SELECT 1", replies[2].Text);
        Assert.Equal(string.Join("|", new[] { "x", "2" }), replies[4].Row);
        Assert.Equal((byte)'I', replies[^1].Body[0]);
    }

    [Fact]
    public async Task Semicolons_inside_strings_dollar_quotes_and_comments_do_not_split_statements()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("SELECT 'a;b' AS s; SELECT $$c;d$$ AS t -- one; comment\n; /* two; /* nested; */ */ SELECT E'e\\';f' AS u;"));
        var replies = await client.ReadUntilReadyAsync();

        Assert.Equal("TDCTDCTDCZ", Types(replies));
        Assert.Equal(string.Join("|", new[] { "a;b" }), replies[1].Row);
        Assert.Equal(string.Join("|", new[] { "c;d" }), replies[4].Row);
        Assert.Equal(string.Join("|", new[] { "e';f" }), replies[7].Row);
    }

    [Fact]
    public async Task An_empty_query_is_answered_with_EmptyQueryResponse()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query(" ; -- nothing here\n"));

        Assert.Equal("IZ", Types(await client.ReadUntilReadyAsync()));
    }

    [Fact]
    public async Task An_error_skips_the_rest_of_the_query_and_the_session_goes_on()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("SELECT 1; SELECT * FROM no_such_table; SELECT 3"));
        var replies = await client.ReadUntilReadyAsync();

        Assert.Equal("TDCEZ", Types(replies));
        Assert.Equal("42P01", replies[3].Field('C'));
        Assert.Equal("ERROR", replies[3].Field('V'));

        await client.SendAsync(Query("SELECT 4 AS d"));
        Assert.Equal("TDCZ", Types(await client.ReadUntilReadyAsync()));
    }

    [Fact]
    public async Task Execute_with_a_row_limit_suspends_the_portal_and_the_next_execute_continues_it()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync([
            .. Parse("", "SELECT range AS n FROM range(10) ORDER BY n"), .. Bind("", "", []), .. Describe('P', ""),
            .. Execute("", 4), .. Execute("", 4), .. Execute("", 4), .. Sync()]);
        var replies = await client.ReadUntilReadyAsync();

        Assert.Equal("12T" + "DDDDs" + "DDDDs" + "DDC" + "Z", Types(replies));
        Assert.Equal(Enumerable.Range(0, 10).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            replies.Where(r => r.Type == 'D').Select(r => r.Values[0]));
        Assert.Equal("SELECT 2", replies[^2].Text);
    }

    [Fact]
    public async Task A_suspended_portal_in_a_transaction_block_continues_after_sync()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("BEGIN"));
        Assert.Equal("CZ", Types(await client.ReadUntilReadyAsync()));
        await client.SendAsync([.. Parse("s1", "SELECT range AS n FROM range(5)"), .. Bind("c1", "s1", []), .. Execute("c1", 3), .. Sync()]);
        var first = await client.ReadUntilReadyAsync();
        Assert.Equal("12DDDsZ", Types(first));
        Assert.Equal((byte)'T', first[^1].Body[0]);

        await client.SendAsync([.. Execute("c1", 3), .. Sync()]);
        var rest = await client.ReadUntilReadyAsync();
        Assert.Equal("DDCZ", Types(rest));
        Assert.Equal(string.Join("|", new[] { "3" }), rest[0].Row);

        await client.SendAsync(Query("COMMIT"));
        var commit = await client.ReadUntilReadyAsync();
        Assert.Equal("COMMIT", commit[0].Text);
        Assert.Equal((byte)'I', commit[^1].Body[0]);
    }

    [Fact]
    public async Task Statement_timeout_counts_execution_only_not_the_time_a_portal_waits_between_executes()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var listener = new PgTestListener(fixture.Pipeline, clock);
        await using var client = await PgWireClient.ConnectAsync(listener.Port);
        await client.SendAsync([.. Query("SET statement_timeout = '5s'"), .. Query("BEGIN")]);
        await client.ReadUntilReadyAsync();
        Assert.Equal("CZ", Types(await client.ReadUntilReadyAsync()));
        await client.SendAsync([.. Parse("s1", "SELECT range AS n FROM range(5)"), .. Bind("c1", "s1", []), .. Execute("c1", 2), .. Sync()]);
        Assert.Equal("12DDsZ", Types(await client.ReadUntilReadyAsync()));

        // The portal waits a minute for its next Execute: waiting is not running, the statement goes on.
        clock.Advance(TimeSpan.FromMinutes(1));
        await client.SendAsync([.. Execute("c1", 0), .. Sync()]);
        var rest = await client.ReadUntilReadyAsync();
        Assert.Equal("DDDCZ", Types(rest));
        Assert.Equal("4", rest[2].Row);
    }

    [Fact]
    public async Task After_an_error_the_extended_protocol_discards_messages_until_sync()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync([
            .. Parse("", "SELECT * FROM no_such_table"), .. Bind("", "", []), .. Describe('P', ""), .. Execute("", 0),
            .. Parse("", "SELECT 1"), .. Bind("", "", []), .. Execute("", 0), .. Sync(),
            .. Parse("", "SELECT 2 AS two"), .. Bind("", "", []), .. Execute("", 0), .. Sync()]);
        var failed = await client.ReadUntilReadyAsync();
        Assert.Equal("12EZ", Types(failed));
        Assert.Equal("42P01", failed[2].Field('C'));

        var next = await client.ReadUntilReadyAsync();
        Assert.Equal("12DCZ", Types(next));
        Assert.Equal(string.Join("|", new[] { "2" }), next[2].Row);
    }

    [Fact]
    public async Task Unknown_statements_and_portals_are_errors_with_their_sqlstate()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync([.. Bind("", "nope", []), .. Sync(), .. Execute("nope", 0), .. Sync(), .. Parse("dup", "SELECT 1"), .. Parse("dup", "SELECT 2"), .. Sync()]);

        Assert.Equal("26000", (await client.ReadUntilReadyAsync())[0].Field('C'));
        Assert.Equal("34000", (await client.ReadUntilReadyAsync())[0].Field('C'));
        var duplicate = await client.ReadUntilReadyAsync();
        Assert.Equal("1EZ", Types(duplicate));
        Assert.Equal("42P05", duplicate[1].Field('C'));
    }

    [Fact]
    public async Task Transaction_status_follows_begin_failure_and_rollback()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("BEGIN READ ONLY"));
        Assert.Equal((byte)'T', (await client.ReadUntilReadyAsync())[^1].Body[0]);

        await client.SendAsync(Query("SELECT * FROM no_such_table"));
        Assert.Equal((byte)'E', (await client.ReadUntilReadyAsync())[^1].Body[0]);

        await client.SendAsync(Query("SELECT 1"));
        var ignored = await client.ReadUntilReadyAsync();
        Assert.Equal("25P02", ignored[0].Field('C'));

        await client.SendAsync(Query("COMMIT"));
        var ended = await client.ReadUntilReadyAsync();
        Assert.Equal("ROLLBACK", ended[0].Text);
        Assert.Equal((byte)'I', ended[^1].Body[0]);

        await client.SendAsync(Query("ROLLBACK"));
        var warned = await client.ReadUntilReadyAsync();
        Assert.Equal("NCZ", Types(warned));
        Assert.Equal("25P01", warned[0].Field('C'));
    }

    [Fact]
    public async Task Session_parameters_are_set_shown_and_reset_as_postgresql_does()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("SET application_name = 'notebook'; SET extra_float_digits = 3; SET search_path TO crm, \"Retail\"; SHOW application_name; SHOW search_path"));
        var replies = await client.ReadUntilReadyAsync();
        Assert.Equal("SCCCTDCTDCZ", Types(replies));
        Assert.Equal("application_name\0notebook", replies[0].Text);
        Assert.Equal(string.Join("|", new[] { "notebook" }), replies[5].Row);
        Assert.Equal(string.Join("|", new[] { "crm, \"Retail\"" }), replies[8].Row);

        await client.SendAsync(Query("SET client_encoding = 'LATIN1'"));
        var encoding = await client.ReadUntilReadyAsync();
        Assert.Equal("22023", encoding[0].Field('C'));

        await client.SendAsync(Query("SET no_such_setting = 1"));
        Assert.Equal("42704", (await client.ReadUntilReadyAsync())[0].Field('C'));

        await client.SendAsync(Query("SET server_version = '99'"));
        Assert.Equal("55P02", (await client.ReadUntilReadyAsync())[0].Field('C'));

        await client.SendAsync(Query("SET my.option = 'v'; SHOW my.option; SET TIME ZONE 'Europe/Paris'; SHOW TimeZone; RESET ALL; SHOW application_name"));
        var more = await client.ReadUntilReadyAsync();
        Assert.Contains(more, r => r.Type == 'D' && r.Values[0] == "v");
        Assert.Contains(more, r => r.Type == 'D' && r.Values[0] == "Europe/Paris");
        Assert.Equal(string.Join("|", new[] { "" }), more.Last(r => r.Type == 'D').Row);

        await client.SendAsync(Query("SHOW ALL"));
        var all = await client.ReadUntilReadyAsync();
        Assert.Contains(all, r => r.Type == 'D' && r.Values[0] == "DateStyle" && r.Values[1] == "ISO, MDY");
        Assert.Equal($"SHOW", all[^2].Text);
    }

    [Fact]
    public async Task Set_config_sets_the_session_parameter_and_current_setting_reads_what_the_session_set()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("SELECT pg_catalog.set_config('search_path', 'crm, public', false); SELECT set_config('application_name', 'etl', false) AS app"));
        var set = await client.ReadUntilReadyAsync();
        // The tracked parameter is reported (S) before its row, as PostgreSQL does.
        Assert.Equal("TDCSTDCZ", Types(set));
        Assert.Contains("set_config\0", set[0].Text, StringComparison.Ordinal);
        Assert.Equal("crm, public", set[1].Row);
        Assert.Equal("SELECT 1", set[2].Text);
        Assert.Equal("application_name\0etl", set[3].Text);
        Assert.Contains("app\0", set[4].Text, StringComparison.Ordinal);

        await client.SendAsync(Query("SET extra_float_digits = 2; SET my.tenant = 'north'; " +
            "SELECT current_setting('search_path') AS p, upper(pg_catalog.current_setting('application_name')) AS a, " +
            "current_setting('extra_float_digits') AS d, current_setting('my.tenant') AS t, current_setting('my.other', true) AS o, current_setting('server_version_num') AS v"));
        var read = await client.ReadUntilReadyAsync();
        Assert.Equal("crm, public|ETL|2|north|NULL|150018", read.Single(r => r.Type == 'D').Row);

        // The statement reads the session as it is when it runs: a prepared statement sees a later SET.
        await client.SendAsync([.. Parse("s", "SELECT current_setting('application_name') AS a"), .. Bind("", "s", []), .. Execute("", 0), .. Sync()]);
        Assert.Equal("etl", (await client.ReadUntilReadyAsync()).Single(r => r.Type == 'D').Row);
        await client.SendAsync([.. Query("SET application_name = 'later'"), .. Bind("", "s", []), .. Execute("", 0), .. Sync()]);
        await client.ReadUntilReadyAsync();
        Assert.Equal("later", (await client.ReadUntilReadyAsync()).Single(r => r.Type == 'D').Row);

        // An unknown custom parameter is 42704 as in PostgreSQL; so is set_config of an unknown plain one.
        await client.SendAsync(Query("SELECT current_setting('my.unset')"));
        Assert.Equal("42704", (await client.ReadUntilReadyAsync())[0].Field('C'));
        await client.SendAsync(Query("SELECT set_config('no_such_setting', '1', false)"));
        Assert.Equal("42704", (await client.ReadUntilReadyAsync())[0].Field('C'));
    }

    [Fact]
    public async Task Set_config_takes_bound_parameters_and_a_local_setting_ends_with_its_transaction_block()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync([.. Parse("", "SELECT set_config($1, $2, $3)"), .. Bind("", "", ["application_name", "bound", "false"]), .. Describe('P', ""), .. Execute("", 0), .. Sync()]);
        var bound = await client.ReadUntilReadyAsync();
        Assert.Equal("12TSDCZ", Types(bound));
        Assert.Equal("bound", bound.Single(r => r.Type == 'D').Row);

        // Outside a block, a local setting lasts only for its own statement.
        await client.SendAsync(Query("SELECT set_config('statement_timeout', '5s', true); SHOW statement_timeout"));
        var alone = await client.ReadUntilReadyAsync();
        Assert.Equal(["5s", "0"], alone.Where(r => r.Type == 'D').Select(r => r.Row));

        await client.SendAsync(Query("BEGIN; SELECT set_config('application_name', 'in-block', true); SET LOCAL statement_timeout = '7s'; " +
            "SHOW statement_timeout; SELECT current_setting('application_name') AS a"));
        var inside = await client.ReadUntilReadyAsync();
        Assert.Equal(["in-block", "7s", "in-block"], inside.Where(r => r.Type == 'D').Select(r => r.Row));

        await client.SendAsync(Query("COMMIT; SHOW statement_timeout; SHOW application_name"));
        var after = await client.ReadUntilReadyAsync();
        Assert.Contains(after, r => r.Type == 'S' && r.Text == "application_name\0bound");
        Assert.Equal(["0", "bound"], after.Where(r => r.Type == 'D').Select(r => r.Row));

        // SET LOCAL outside a block warns and changes nothing, as in PostgreSQL.
        await client.SendAsync(Query("SET LOCAL application_name = 'nowhere'; SHOW application_name"));
        var warned = await client.ReadUntilReadyAsync();
        Assert.Equal("25P01", warned.First(r => r.Type == 'N').Field('C'));
        Assert.Equal("bound", warned.Single(r => r.Type == 'D').Row);
    }

    [Fact]
    public async Task Discard_all_drops_prepared_statements_and_settings()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync([.. Parse("kept", "SELECT 1"), .. Sync()]);
        await client.ReadUntilReadyAsync();
        await client.SendAsync(Query("SET application_name = 'x'; DISCARD ALL"));
        var discarded = await client.ReadUntilReadyAsync();
        Assert.Equal("DISCARD ALL", discarded[^2].Text);

        await client.SendAsync([.. Bind("", "kept", []), .. Sync()]);
        Assert.Equal("26000", (await client.ReadUntilReadyAsync())[0].Field('C'));
    }

    [Fact]
    public async Task Copy_to_stdout_in_csv_sends_a_header_and_one_copydata_per_row()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("COPY (SELECT order_id, note FROM orders WHERE order_id IN (7, 11, 12) ORDER BY order_id) TO STDOUT WITH (FORMAT csv, HEADER)"));
        var replies = await client.ReadUntilReadyAsync();

        Assert.Equal("HddddcCZ", Types(replies));
        Assert.Equal(["order_id,note\n", "7,\"has, comma and \"\"quote\"\"\"\n", "11,\n", "12,plain\n"],
            replies.Where(r => r.Type == 'd').Select(r => System.Text.Encoding.UTF8.GetString(r.Body)));
        Assert.Equal("COPY 3", replies[^2].Text);
    }

    [Fact]
    public async Task Copy_into_ladle_or_to_a_server_file_is_refused()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("COPY orders FROM STDIN"));
        Assert.Equal("25006", (await client.ReadUntilReadyAsync())[0].Field('C'));

        await client.SendAsync(Query("COPY orders TO '/tmp/out.csv'"));
        Assert.Equal("42501", (await client.ReadUntilReadyAsync())[0].Field('C'));
    }

    [Fact]
    public async Task A_broken_frame_gets_a_fatal_error_and_the_next_connection_works()
    {
        await using (var client = await ConnectAsync())
        {
            await client.SendAsync([(byte)'Q', 0, 0, 0, 2]);
            var reply = await client.ReadAsync();
            Assert.NotNull(reply);
            Assert.Equal('E', reply.Type);
            Assert.Equal("FATAL", reply.Field('V'));
            Assert.Equal("08P01", reply.Field('C'));
            Assert.Null(await client.ReadAsync());
        }

        await using var next = await ConnectAsync();
        await next.SendAsync(Query("SELECT 1"));
        Assert.Equal("TDCZ", Types(await next.ReadUntilReadyAsync()));
    }

    [Fact]
    public async Task Statements_are_audited_as_the_pg_interface()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("SELECT order_id /* audit-marker */ FROM orders WHERE order_id <= 5"));
        await client.ReadUntilReadyAsync();

        var audit = await fixture.WireAuditAsync();
        Assert.Contains(audit, e => e.Filters.Contains("audit-marker", StringComparison.Ordinal) && e.Rows == 5 && e.Status == "ok" && e.Principal == "local");
    }

    [Fact]
    public async Task A_statement_is_audited_with_the_bytes_it_sent()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query("SELECT order_id, region /* bytes-marker */ FROM orders WHERE order_id <= 7"));
        var replies = await client.ReadUntilReadyAsync();
        // What the statement's answer took on the wire: its RowDescription and DataRows, each with its five-byte header.
        var sent = replies.Where(r => r.Type is 'T' or 'D').Sum(r => 5L + r.Body.Length);

        var audit = await fixture.WireAuditAsync();
        var entry = Assert.Single(audit, e => e.Filters.Contains("bytes-marker", StringComparison.Ordinal));
        Assert.Equal(7, entry.Rows);
        Assert.Equal(sent, entry.Bytes);
    }

    [Fact]
    public async Task A_connection_cut_mid_stream_stops_the_query()
    {
        var ended = fixture.Listener.Ended;
        await using (var client = await ConnectAsync())
        {
            await client.SendAsync(Query("SELECT range AS n, repeat('x', 200) AS pad FROM range(50000000)"));
            Assert.Equal('T', (await client.ReadAsync())!.Type);
            Assert.Equal('D', (await client.ReadAsync())!.Type);
        }

        // The server stops sending and frees the statement's export slot; nothing waits for fifty million rows.
        for (var i = 0; i < 600 && (fixture.Listener.Ended == ended || fixture.Pipeline.Exports.Running > 0); i++) await Task.Delay(100);
        Assert.True(fixture.Listener.Ended > ended, "the session did not end after its connection was cut");
        Assert.Equal(0, fixture.Pipeline.Exports.Running);
    }
}
