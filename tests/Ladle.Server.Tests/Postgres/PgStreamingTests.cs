using System.Globalization;
using Ladle.Engine.Serving;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Ladle.Server.Tests.Postgres.PgWireClient;

namespace Ladle.Server.Tests.Postgres;

/// <summary>
/// Results stream over the wire: rows leave as DuckDB produces them, a client that stops reading holds the engine
/// back, a cut connection or a CancelRequest stops the statement (its slot and lease released, audited with the rows
/// sent), and statement_timeout counts the engine's time while streaming, not the time a slow client takes.
/// </summary>
public sealed class PgStreamingTests(PgWireFixture fixture) : IClassFixture<PgWireFixture>
{
    // 2,345³ ≈ 12.9 billion rows of a published dataset: no engine holds that result whole, only a stream can answer it.
    private const string Endless = "SELECT a.order_id AS a, b.order_id AS b, c.order_id AS c FROM orders a, orders b, orders c";

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private int OrdersLeases => fixture.Server.Engine.Catalog.Leases("orders");

    private int SlotsInUse => fixture.Server.Engine.StoreConnector.Reads!.Running;

    private async Task<NpgsqlConnection> OpenAsync(PgTestListener? listener = null)
    {
        var connection = new NpgsqlConnection((listener ?? fixture.Listener).ConnectionString());
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task The_first_rows_of_an_endless_result_arrive_while_the_engine_is_still_producing_it()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(Endless, connection);
        var reader = await command.ExecuteReaderAsync().WaitAsync(Patience);
        long rows = 0;
        while (rows < 200_000 && await reader.ReadAsync()) rows++;

        // Far more rows than any page or buffer, and the statement still open on the version it leased.
        Assert.Equal(200_000, rows);
        Assert.Equal(1, OrdersLeases);
        command.Cancel();
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => { while (await reader.ReadAsync()) { } });
        Assert.Equal("57014", SqlState(error));
        await reader.DisposeAsync();
        await WaitUntilAsync(() => OrdersLeases == 0 && SlotsInUse == 0, "the cancelled statement kept its lease or read slot");
    }

    [Fact]
    public async Task A_result_larger_than_every_buffer_arrives_whole()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT a.order_id AS a, b.order_id AS b FROM orders a, orders b", connection);
        await using var reader = await command.ExecuteReaderAsync();
        long rows = 0, sum = 0;
        while (await reader.ReadAsync())
        {
            rows++;
            sum += reader.GetInt64(0);
        }

        const long n = RetailServerFixture.Orders;
        Assert.Equal(n * n, rows);
        Assert.Equal(n * (n * (n + 1) / 2), sum);
    }

    [Fact]
    public async Task A_client_that_stops_reading_holds_the_engine_back_and_takes_no_read_slot()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(Query(Endless));
        Assert.Equal('T', (await client.ReadAsync().WaitAsync(Patience))!.Type);
        Assert.Equal('D', (await client.ReadAsync())!.Type);

        // The client reads nothing more: the server sends until the socket's buffers are full, then waits.
        var stalled = await StalledAsync(fixture.Listener);
        // A DataRow of three integers takes at least 20 bytes; loopback socket buffers hold a few megabytes.
        Assert.InRange(stalled, 1, 64L * 1024 * 1024 / 20);
        Assert.Equal(0, SlotsInUse);
        Assert.Equal(1, OrdersLeases);

        // Reading again, the stream goes on where it stopped.
        for (var i = 0; i < stalled + 100_000; i++) Assert.Equal('D', (await client.ReadAsync())!.Type);
        Assert.True(fixture.Listener.RowsSending > stalled);
    }

    [Fact]
    public async Task A_cut_connection_stops_the_query_releases_its_slot_and_lease_and_is_audited_as_cut()
    {
        var ended = fixture.Listener.Ended;
        var received = 0;
        await using (var client = await ConnectAsync())
        {
            await client.SendAsync(Query(Endless.Replace("SELECT", "SELECT /* cut-marker */", StringComparison.Ordinal)));
            Assert.Equal('T', (await client.ReadAsync().WaitAsync(Patience))!.Type);
            for (; received < 5_000; received++) Assert.Equal('D', (await client.ReadAsync())!.Type);
            await StalledAsync(fixture.Listener);
        }

        await WaitUntilAsync(() => fixture.Listener.Ended > ended && OrdersLeases == 0 && SlotsInUse == 0,
            "the statement of a cut connection went on, or kept its lease or read slot");
        var audit = await fixture.WireAuditAsync();
        var entry = Assert.Single(audit, e => e.Filters.Contains("cut-marker", StringComparison.Ordinal));
        Assert.Equal("cut", entry.Status);
        // The rows the server sent: those the client read and those still in the buffers when it left.
        Assert.True(entry.Rows >= received, $"audited {entry.Rows} rows; the client read {received}");
    }

    [Fact]
    public async Task A_cancel_request_stops_a_streaming_result_with_57014_and_the_session_goes_on()
    {
        await using var connection = await OpenAsync();
        await using (var command = new NpgsqlCommand(Endless.Replace("SELECT", "SELECT /* cancel-marker */", StringComparison.Ordinal), connection))
        {
            var reader = await command.ExecuteReaderAsync().WaitAsync(Patience);
            for (var i = 0; i < 10_000; i++) Assert.True(await reader.ReadAsync());
            command.Cancel();
            var error = await Assert.ThrowsAnyAsync<Exception>(async () => { while (await reader.ReadAsync()) { } });
            Assert.Equal("57014", SqlState(error));
            await reader.DisposeAsync();
        }

        await using var next = new NpgsqlCommand("SELECT 2", connection);
        Assert.Equal(2, Convert.ToInt32(await next.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
        await WaitUntilAsync(() => OrdersLeases == 0 && SlotsInUse == 0, "the cancelled statement kept its lease or read slot");
        var entry = Assert.Single(await fixture.WireAuditAsync(), e => e.Filters.Contains("cancel-marker", StringComparison.Ordinal));
        Assert.Equal("cancelled", entry.Status);
        Assert.True(entry.Rows >= 10_000, $"audited {entry.Rows} rows");
    }

    [Fact]
    public async Task Statement_timeout_stops_a_streaming_result_that_runs_too_long()
    {
        await using var connection = await OpenAsync();
        await using (var set = new NpgsqlCommand("SET statement_timeout = '500ms'", connection)) await set.ExecuteNonQueryAsync();
        await using var command = new NpgsqlCommand(Endless, connection);
        long rows = 0;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows++;
        }).WaitAsync(Patience);

        // Rows went out before the clock ran out: the timeout covers the fetching, not only the start.
        Assert.True(rows > 0, "no row arrived before the timeout");
        Assert.Equal("57014", SqlState(error));
        Assert.Contains("statement timeout", Postgres(error)!.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_slow_to_read_is_not_taken_for_a_slow_statement()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var listener = new PgTestListener(fixture.Pipeline, clock);
        await using var client = await PgWireClient.ConnectAsync(listener.Port);
        await client.SendAsync(Query("SET statement_timeout = '5s'"));
        await client.ReadUntilReadyAsync();
        const long rows = RetailServerFixture.Orders * 400L;
        await client.SendAsync(Query("SELECT a.order_id AS a, b.order_id AS b FROM orders a, orders b WHERE b.order_id <= 400"));
        Assert.Equal('T', (await client.ReadAsync())!.Type);

        // The server waits on the client, whose buffers are full, for a minute: that is the client's time.
        await StalledAsync(listener);
        clock.Advance(TimeSpan.FromMinutes(1));
        long received = 0;
        PgWireReply reply;
        while ((reply = (await client.ReadAsync())!).Type == 'D') received++;

        Assert.Equal('C', reply.Type);
        Assert.Equal($"SELECT {rows}", reply.Text);
        Assert.Equal(rows, received);
    }

    [Fact]
    public async Task A_suspended_streaming_portal_holds_its_lease_but_no_read_slot_and_continues()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync([.. Parse("s1", Endless), .. Bind("p1", "s1", []), .. Execute("p1", 1000), .. Flush()]);
        var first = await client.ReadUntilAsync('s').WaitAsync(Patience);
        Assert.Equal(1000, first.Count(r => r.Type == 'D'));

        // Parked between Executes: the version stays leased for the rest of the rows; the engine's slot is free.
        Assert.Equal(1, OrdersLeases);
        Assert.Equal(0, SlotsInUse);

        // The open stream is an open engine transaction: a publication of the dataset it reads still goes through.
        var published = (await fixture.Server.Engine.Publisher.MaterializeAsync(["orders"], "test", null, CancellationToken.None)).Single();
        Assert.True(published.Published, published.Error);

        await client.SendAsync([.. Execute("p1", 1000), .. Flush()]);
        var second = await client.ReadUntilAsync('s');
        Assert.Equal(1000, second.Count(r => r.Type == 'D'));

        await client.SendAsync([.. Close('P', "p1"), .. Sync()]);
        Assert.Equal("3Z", Types(await client.ReadUntilReadyAsync()));
        await WaitUntilAsync(() => OrdersLeases == 0 && SlotsInUse == 0, "the closed portal kept its lease or read slot");
    }

    [Fact]
    public async Task The_servers_statement_timeout_bounds_the_engines_work_on_a_streaming_result()
    {
        await using var server = await StartNumsAsync("1s");
        await using var listener = new PgTestListener(server.Services.GetRequiredService<ReadPipeline>());
        await using var connection = await OpenAsync(listener);
        await using var command = new NpgsqlCommand("SELECT a.id AS a, b.id AS b, c.id AS c FROM nums a, nums b, nums c", connection);
        long rows = 0;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows++;
        }).WaitAsync(Patience);

        // A billion rows cannot be fetched in a second of the engine's time; the first of them left before it ran out.
        Assert.True(rows > 0, "no row arrived before the timeout");
        Assert.Equal("57014", SqlState(error));
        Assert.Contains("statement_timeout of 1s", Postgres(error)!.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_servers_statement_timeout_does_not_count_a_client_slow_to_read()
    {
        await using var server = await StartNumsAsync("5s");
        await using var listener = new PgTestListener(server.Services.GetRequiredService<ReadPipeline>());
        await using var client = await PgWireClient.ConnectAsync(listener.Port);
        await client.SendAsync(Query("SELECT a.id AS a, b.id AS b FROM nums a, nums b WHERE b.id <= 300"));
        Assert.Equal('T', (await client.ReadAsync().WaitAsync(Patience))!.Type);

        // The server waits on a client that reads nothing for longer than the timeout, then takes every row.
        await StalledAsync(listener);
        await Task.Delay(TimeSpan.FromSeconds(6));
        long received = 0;
        PgWireReply reply;
        while ((reply = (await client.ReadAsync())!).Type == 'D') received++;

        Assert.Equal("SELECT 300000", reply.Text);
        Assert.Equal(300_000, received);
    }

    /// <summary>A server whose statement_timeout is <paramref name="timeout"/>, over one table dataset of a thousand ids.</summary>
    private static Task<LoopbackServer> StartNumsAsync(string timeout) => LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", $"name: nums\nsources:\n  files:\n    kind: files\n    path: data\nserver:\n  statement_timeout: {timeout}\n");
        LoopbackServer.File(root, "data/nums.csv", "id\n" + string.Concat(Enumerable.Range(1, 1000).Select(i => $"{i}\n")));
        LoopbackServer.File(root, "datasets/nums.yaml", "name: nums\nsource: files\ntable: nums.csv\ncolumns:\n  - { name: id, type: integer }\n");
    });

    private Task<PgWireClient> ConnectAsync() => PgWireClient.ConnectAsync(fixture.Listener.Port);

    /// <summary>Waits until the rows the listener's statements have sent stop growing (the server waits on the client); returns them.</summary>
    private static async Task<long> StalledAsync(PgTestListener listener)
    {
        var last = -1L;
        var steady = 0;
        var deadline = DateTime.UtcNow + Patience;
        while (steady < 5)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the server kept sending to a client that stopped reading ({listener.RowsSending} rows)");
            await Task.Delay(200);
            var now = listener.RowsSending;
            steady = now == last && now > 0 ? steady + 1 : 0;
            last = now;
        }

        return last;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }

    private static PostgresException? Postgres(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
            if (error is PostgresException postgres) return postgres;
        return null;
    }

    private static string? SqlState(Exception error) => Postgres(error)?.SqlState;
}
