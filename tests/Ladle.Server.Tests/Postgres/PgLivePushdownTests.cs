using System.Globalization;
using System.Text;
using Ladle.Engine.Access;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ladle.Server.Tests.Postgres;

/// <summary>
/// Live datasets of a real PostgreSQL (LADLE_TEST_PG) and a real SQLite file beside table datasets, served with the
/// wire listener (SCRAM, no --dev): an analyst without PII clearance, a principal whose grant keeps only EU orders.
/// </summary>
public sealed class PgLivePushdownFixture : IAsyncLifetime
{
    public string Schema { get; } = "push_" + Guid.NewGuid().ToString("N")[..12];

    public string PostgresConnection { get; } = Environment.GetEnvironmentVariable("LADLE_TEST_PG")
        ?? throw new InvalidOperationException("LADLE_TEST_PG is not set: run the tests through ./test.sh, which starts PostgreSQL on loopback");

    public LoopbackServer Server { get; private set; } = null!;

    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        var rows = new StringBuilder();
        for (var i = 1; i <= 30; i++)
            rows.Append(CultureInfo.InvariantCulture, $"{(i > 1 ? "," : "")}({i}, '{(i % 3 == 0 ? "EU" : i % 3 == 1 ? "US" : "APAC")}', {i}.50, 'c{i}@example.com')");
        await ExecuteAsync($"""
            CREATE SCHEMA {Schema};
            CREATE TABLE {Schema}.orders (order_id integer, region text, amount numeric(10,2), email text);
            INSERT INTO {Schema}.orders VALUES {rows};
            CREATE TABLE {Schema}.regions (region text, manager text);
            INSERT INTO {Schema}.regions VALUES ('EU', 'Eva'), ('US', 'Sam'), ('APAC', 'Ari');
            """);
        var variable = "LADLE_TEST_PG_PUSH_" + Schema.ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, PostgresConnection);
        Server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", $"""
                name: push
                sources:
                  warehouse:
                    kind: postgres
                    connection_env: {variable}
                  lite:
                    kind: sqlite
                    path: data/items.sqlite
                  files:
                    kind: files
                    path: data
                """);
            using (var sqlite = new SqliteConnection($"Data Source={Path.Combine(root, "data", "items.sqlite")};Pooling=false"))
            {
                Directory.CreateDirectory(Path.Combine(root, "data"));
                sqlite.Open();
                using var command = sqlite.CreateCommand();
                command.CommandText = "CREATE TABLE items (id INTEGER, name TEXT, qty INTEGER); INSERT INTO items VALUES (1, 'bolt', 40), (2, 'nut', 7), (3, 'gear', 12), (4, 'axle', 3);";
                command.ExecuteNonQuery();
            }
            LoopbackServer.File(root, "data/stock.csv", "id,units\n1,5\n2,6\n");
            LoopbackServer.File(root, "datasets/live_orders.yaml", $$"""
                name: live_orders
                domain: shop
                source: warehouse
                table: {{Schema}}.orders
                materialization: live
                columns:
                  - { name: order_id, type: integer }
                  - { name: region, type: string }
                  - { name: amount, type: decimal }
                  - { name: email, type: string, pii: true }
                """);
            LoopbackServer.File(root, "datasets/live_regions.yaml", $"name: live_regions\ndomain: shop\nsource: warehouse\ntable: {Schema}.regions\nmaterialization: live\n");
            LoopbackServer.File(root, "datasets/live_items.yaml", "name: live_items\ndomain: shop\nsource: lite\ntable: items\nmaterialization: live\n");
            LoopbackServer.File(root, "datasets/live_stock.yaml", "name: live_stock\ndomain: shop\nsource: files\ntable: stock.csv\nmaterialization: live\n");
            LoopbackServer.File(root, "datasets/stock.yaml", "name: stock\ndomain: shop\nsource: files\ntable: stock.csv\n");
            LoopbackServer.File(root, "access.yaml", """
                roles:
                  analyst:
                    grants:
                      - { actions: [read, export], domains: [shop] }
                  eu_only:
                    grants:
                      - { actions: [read, export], datasets: [live_orders], row_filter: "region = 'EU'" }
                      - { actions: [read, export], datasets: [live_regions] }
                principals:
                  ana: { roles: [analyst] }
                  eu: { roles: [eu_only] }
                """);
        }, dev: false, postgres: "127.0.0.1:0");
        var tokens = new TokenService(Server.Engine.Project, Server.Engine.State);
        foreach (var principal in new[] { "ana", "eu" })
            Tokens[principal] = (await tokens.CreateAsync(principal, null, "pushdown test", CancellationToken.None)).Token;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Statements PostgreSQL itself ran that mention this fixture's schema and <paramref name="fragment"/>, with the rows each returned.</summary>
    public async Task<List<(string Query, long Rows)>> RanInPostgresAsync(string fragment)
    {
        await using var connection = new NpgsqlConnection(PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT query, rows FROM pg_stat_statements WHERE query LIKE $1 AND query LIKE $2", connection);
        command.Parameters.AddWithValue($"%{Schema}%");
        command.Parameters.AddWithValue($"%{fragment}%");
        await using var reader = await command.ExecuteReaderAsync();
        var result = new List<(string, long)>();
        while (await reader.ReadAsync()) result.Add((reader.GetString(0), reader.GetInt64(1)));
        return result;
    }

    public async Task<NpgsqlConnection> OpenAsync(string principal)
    {
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Server.Host.Postgres!.EndPoint.Port, Username = principal, Password = Tokens[principal], Database = "push",
            Pooling = false, SslMode = SslMode.Disable, GssEncryptionMode = GssEncryptionMode.Disable, Timeout = 30, CommandTimeout = 120,
        }.ConnectionString);
        builder.ConfigureTypeLoading(options => options.EnableTypeLoading(false));
        var connection = builder.Build().CreateConnection();
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<List<string>> RowsAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        return rows;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await ExecuteAsync($"DROP SCHEMA {Schema} CASCADE");
    }
}

/// <summary>Statements over live datasets of one database run there whole, inside the principal's policy scope; other mixes are refused with the reason.</summary>
public sealed class PgLivePushdownTests(PgLivePushdownFixture fixture) : IClassFixture<PgLivePushdownFixture>
{
    [Fact]
    public async Task A_grouped_statement_over_a_live_postgres_dataset_runs_in_postgres_inside_the_row_filter()
    {
        await using var connection = await fixture.OpenAsync("eu");
        await using var command = new NpgsqlCommand("SELECT region, count(*) AS n, sum(amount) AS total FROM live_orders GROUP BY region ORDER BY region", connection);
        var rows = await PgLivePushdownFixture.RowsAsync(command);

        var eu = Enumerable.Range(1, 30).Where(i => i % 3 == 0).ToList();
        var parts = Assert.Single(rows).Split('|');
        Assert.Equal(("EU", eu.Count.ToString(CultureInfo.InvariantCulture)), (parts[0], parts[1]));
        Assert.Equal(eu.Sum(i => i + 0.5m), decimal.Parse(parts[2], CultureInfo.InvariantCulture));
        // PostgreSQL grouped the rows itself: the statement it ran returned the one group, not the orders.
        var ran = await fixture.RanInPostgresAsync("GROUP BY");
        Assert.Contains(ran, r => r.Query.Contains("count(*)", StringComparison.Ordinal) && r.Rows == 1);
    }

    [Fact]
    public async Task Two_live_datasets_of_one_postgres_source_join_there_and_a_masked_column_stays_masked()
    {
        await using var connection = await fixture.OpenAsync("ana");
        await using var joined = new NpgsqlCommand("""
            SELECT r.manager, count(*) AS n FROM live_orders o JOIN live_regions r ON o.region = r.region
            WHERE o.amount > 10 GROUP BY r.manager ORDER BY r.manager
            """, connection);
        Assert.Equal(["Ari|7", "Eva|7", "Sam|7"], await PgLivePushdownFixture.RowsAsync(joined));

        await using var masked = new NpgsqlCommand("SELECT order_id, email FROM live_orders WHERE order_id = 1", connection);
        var row = Assert.Single(await PgLivePushdownFixture.RowsAsync(masked));
        Assert.StartsWith("1|", row, StringComparison.Ordinal);
        Assert.DoesNotContain("c1@example.com", row, StringComparison.Ordinal);

        await using var filtered = new NpgsqlCommand("SELECT count(*) FROM live_orders WHERE email = 'c1@example.com'", connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => filtered.ExecuteReaderAsync());
        Assert.Equal("42501", refused.SqlState);
    }

    [Fact]
    public async Task A_prepared_statement_over_a_live_sqlite_dataset_runs_in_sqlite()
    {
        await using var connection = await fixture.OpenAsync("ana");
        await using var command = new NpgsqlCommand("SELECT name, qty FROM live_items WHERE qty > $1 ORDER BY name", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = 5L });
        await command.PrepareAsync();
        Assert.Equal(["bolt|40", "gear|12", "nut|7"], await PgLivePushdownFixture.RowsAsync(command));
    }

    [Theory]
    [InlineData("SELECT o.order_id, s.units FROM live_orders o JOIN stock s ON o.order_id = s.id", "reads live dataset 'live_orders' (source 'warehouse') and table dataset 'stock'")]
    [InlineData("SELECT o.order_id FROM live_orders o JOIN live_items i ON o.order_id = i.id", "live datasets of two sources")]
    [InlineData("SELECT * FROM live_stock", "dataset 'live_stock' is live over source 'files' (files)")]
    [InlineData("SELECT amount / 2 FROM live_orders", "division (/)")]
    [InlineData("SELECT regexp_replace(region, 'E', 'e') FROM live_orders", "the function regexp_replace(…) is not pushed down to source 'warehouse'")]
    [InlineData("WITH t AS (SELECT region FROM live_orders) SELECT * FROM t", "WITH is not pushed down")]
    public async Task A_statement_that_cannot_run_in_one_source_is_refused_with_the_reason(string sql, string reason)
    {
        await using var connection = await fixture.OpenAsync("ana");
        await using var command = new NpgsqlCommand(sql, connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteReaderAsync());
        Assert.StartsWith("42", refused.SqlState, StringComparison.Ordinal);
        Assert.Contains(reason, refused.MessageText, StringComparison.Ordinal);
    }
}
