using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Core.Policy;
using Ladle.Engine.State;
using Ladle.Engine.Access;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Serving;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests;

/// <summary>
/// A principal's SQL through the pipeline the wire protocol calls (ReadPipeline.ServeAsync with a SqlRequest),
/// on a real store: the same rows REST gives the same principal, masks and row filters included; hostile
/// statements refused; unseen datasets missing.
/// </summary>
public sealed class SqlGatewayTests(SqlGatewayTests.Fixture fixture) : IClassFixture<SqlGatewayTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public LoopbackServer Server { get; private set; } = null!;
        public Dictionary<string, string> Tokens { get; } = [];

        public async Task InitializeAsync()
        {
            Server = await LoopbackServer.StartAsync(root =>
            {
                LoopbackServer.File(root, "ladle.yaml", "name: shop\nsources:\n  files:\n    kind: files\n    path: data\n");
                var orders = new StringBuilder("order_id,merchant_id,customer_email,customer_phone,amount\n");
                for (var i = 1; i <= 60; i++) orders.Append(CultureInfo.InvariantCulture, $"{i},{(i % 3 == 0 ? 42 : i % 3 == 1 ? 7 : 99)},buyer{i}@example.com,+351 912 000 {i:000},{i}.50\n");
                LoopbackServer.File(root, "data/orders.csv", orders.ToString());
                LoopbackServer.File(root, "data/merchants.csv", "merchant_id,name\n7,Seven Shop\n42,Answer Store\n99,Ninety Nine\n");
                LoopbackServer.File(root, "data/ledger.csv", "entry,amount\n1,1000000\n");
                LoopbackServer.File(root, "data/live.csv", "merchant_id,x\n42,1\n");
                LoopbackServer.File(root, "data/tally.csv", "id,merchant_id\n1,42\n2,7\n");
                // Leads a merchant collected itself: their customer_email is its own, not PII masked for it.
                LoopbackServer.File(root, "data/contacts.csv",
                    "contact_id,merchant_id,customer_email\n1,42,lead1@example.com\n2,42,other@example.com\n3,7,lead3@example.com\n");
                LoopbackServer.File(root, "datasets/orders.yaml", """
                    name: orders
                    domain: retail
                    source: files
                    table: orders.csv
                    materialization: table
                    primary_key: [order_id]
                    columns:
                      - { name: order_id, type: integer }
                      - { name: merchant_id, type: integer }
                      - { name: customer_email, type: string, pii: true, mask: partial }
                      - { name: customer_phone, type: string, pii: true, mask: hash }
                      - { name: amount, type: decimal }
                    """);
                LoopbackServer.File(root, "datasets/merchants.yaml", "name: merchants\ndomain: retail\nsource: files\ntable: merchants.csv\nmaterialization: table\n");
                LoopbackServer.File(root, "datasets/ledger.yaml", "name: ledger\ndomain: finance\nsource: files\ntable: ledger.csv\nmaterialization: table\n");
                LoopbackServer.File(root, "datasets/contacts.yaml", "name: contacts\ndomain: retail\nsource: files\ntable: contacts.csv\nmaterialization: table\n");
                LoopbackServer.File(root, "datasets/tally.yaml", "name: tally\ndomain: retail\nsource: files\ntable: tally.csv\nmaterialization: table\n");
                LoopbackServer.File(root, "datasets/live_things.yaml", "name: live_things\ndomain: retail\nsource: files\ntable: live.csv\nmaterialization: live\n");
                LoopbackServer.File(root, "access.yaml", """
                    roles:
                      merchant:
                        grants:
                          - { actions: [read, export], datasets: [orders, merchants, live_things, tally, contacts], row_filter: "merchant_id = {{ principal.merchant_id }}" }
                      admin:
                        admin: true
                    principals:
                      m42: { kind: service, roles: [merchant], attributes: { merchant_id: 42 } }
                      m7: { kind: service, roles: [merchant], attributes: { merchant_id: 7 } }
                      root: { roles: [admin] }
                    """);
            }, dev: false);
            var tokens = new TokenService(Server.Engine.Project, Server.Engine.State);
            foreach (var principal in new[] { "m42", "root" })
                Tokens[principal] = (await tokens.CreateAsync(principal, null, "test", CancellationToken.None)).Token;
        }

        public ReadPipeline Pipeline => Server.Services.GetRequiredService<ReadPipeline>();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    private static readonly Principal M42 = new("m42", new Dictionary<string, string> { ["merchant_id"] = "42" }) { Method = AuthMethod.Token };
    private static readonly Principal Root = new("root", new Dictionary<string, string>()) { Method = AuthMethod.Token };
    private static readonly Principal M7 = new("m7", new Dictionary<string, string> { ["merchant_id"] = "7" }) { Method = AuthMethod.Token };

    /// <summary>Collects an answer's columns and rows, as the wire sink would stream them.</summary>
    private sealed class CollectingSink : IReadSink
    {
        public string Format => "pg";
        public SinkCapabilities Capabilities { get; } = new() { Unbounded = true };
        public IResultEncoder? Encoder => null;
        public ReadAnswer? Answer { get; private set; }
        public IReadOnlyList<ResultColumn> Columns { get; private set; } = [];
        public List<object?[]> Rows { get; } = [];

        public Stream Begin(ReadAnswer answer)
        {
            Answer = answer;
            return Stream.Null;
        }

        public async Task WriteAsync(ResultStream rows, Stream body, EncodeContext context, CancellationToken cancellationToken)
        {
            Columns = rows.Schema.Columns;
            while (await rows.ReadAsync(cancellationToken) is { } batch)
                for (var r = 0; r < batch.Count; r++)
                    Rows.Add(batch.Columns.Select(c => c.GetValue(r)).ToArray());
        }
    }

    private async Task<CollectingSink> SqlAsync(Principal principal, string sql, params object?[] parameters)
    {
        var sink = new CollectingSink();
        await fixture.Pipeline.ServeAsync(new SqlRequest { Principal = principal, Interface = "pg", Sql = sql, Parameters = parameters }, sink, CancellationToken.None);
        return sink;
    }

    private async Task<JsonElement[]> RestRowsAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/datasets/orders/rows?limit=1000");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await fixture.Server.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("rows").EnumerateArray().ToArray();
    }

    [Fact]
    public async Task Row_filtered_masked_principal_gets_over_sql_exactly_the_rows_rest_gives_it()
    {
        var rest = await RestRowsAsync(fixture.Tokens["m42"]);
        var sql = await SqlAsync(M42, "SELECT order_id, merchant_id, customer_email, customer_phone, amount FROM orders ORDER BY order_id");

        Assert.Equal(20, sql.Rows.Count);
        Assert.Equal(rest.Length, sql.Rows.Count);
        for (var i = 0; i < rest.Length; i++)
        {
            Assert.Equal(rest[i].GetProperty("order_id").GetInt64(), sql.Rows[i][0]);
            Assert.Equal(42L, sql.Rows[i][1]);
            Assert.Equal(rest[i].GetProperty("customer_email").GetString(), sql.Rows[i][2]);
            Assert.Equal(rest[i].GetProperty("customer_phone").GetString(), sql.Rows[i][3]);
            Assert.Equal(rest[i].GetProperty("amount").GetDecimal(), Convert.ToDecimal(sql.Rows[i][4], CultureInfo.InvariantCulture));
        }
        Assert.All(sql.Rows, r => Assert.StartsWith("b***@", (string)r[2]!, StringComparison.Ordinal));
        Assert.Equal("orders", Assert.Single(sql.Answer!.Datasets).Dataset);
        Assert.Equal("INTEGER", sql.Columns[0].EngineType is "BIGINT" or "INTEGER" ? "INTEGER" : sql.Columns[0].EngineType);
    }

    [Fact]
    public async Task Joins_ctes_aggregates_and_windows_run_inside_the_principals_scope()
    {
        var joined = await SqlAsync(M42, """
            WITH mine AS (SELECT o.merchant_id, o.amount FROM retail.orders AS o)
            SELECT m.name, count(*) AS n, sum(mine.amount) AS total, max(count(*)) OVER () AS most
            FROM mine JOIN public.merchants m ON m.merchant_id = mine.merchant_id
            GROUP BY m.name
            """);
        var row = Assert.Single(joined.Rows);
        Assert.Equal("Answer Store", row[0]);
        Assert.Equal(20L, row[1]);

        var all = await SqlAsync(Root, "SELECT count(*) FROM orders WHERE amount > $1", 0m);
        Assert.Equal(60L, Assert.Single(all.Rows)[0]);

        var quoted = await SqlAsync(M42, "SELECT 'it''s' AS \"Odd \"\"Name\"\"\", \"orders\".order_id FROM \"orders\" WHERE order_id = $1", 3L);
        Assert.Equal(["it's", 3L], Assert.Single(quoted.Rows));
        Assert.Equal("Odd \"Name\"", quoted.Columns[0].Name);

        var other = await SqlAsync(M42, "SELECT * FROM orders WHERE order_id = $1", 1L);
        Assert.Empty(other.Rows);
    }

    [Theory]
    [InlineData("SELECT * FROM ledger")]
    [InlineData("SELECT * FROM finance.ledger")]
    [InlineData("SELECT * FROM nothing_here")]
    [InlineData("SELECT * FROM ladle_versions.orders__v1")]
    [InlineData("SELECT * FROM main.ledger")]
    [InlineData("SELECT * FROM shop.main.ledger")]
    [InlineData("SELECT * FROM '/etc/passwd'")]
    [InlineData("WITH orders AS (SELECT * FROM orders) SELECT * FROM ledger")]
    [InlineData("SELECT * FROM (WITH ledger AS (SELECT 1) SELECT 1), ledger")]
    public async Task Unseen_internal_and_missing_relations_all_answer_relation_does_not_exist(string sql)
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() => SqlAsync(M42, sql));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("1000000", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", "read_csv")]
    [InlineData("SELECT * FROM duckdb_tables()", "duckdb_tables")]
    [InlineData("SELECT getenv('HOME')", "getenv")]
    [InlineData("SELECT * FROM duckdb_settings()", "duckdb_settings")]
    [InlineData("SELECT * FROM query('SELECT * FROM ledger')", "query")]
    [InlineData("SELECT * FROM glob('/*')", "glob")]
    [InlineData("COPY (SELECT 1) TO '/tmp/x.csv'", "COPY")]
    [InlineData("ATTACH '/tmp/other.duckdb' AS other", "ATTACH")]
    [InlineData("PRAGMA database_list", "PRAGMA")]
    [InlineData("SET memory_limit = '1TB'", "SET")]
    [InlineData("INSTALL httpfs", "INSTALL")]
    [InlineData("CALL duckdb_settings()", "CALL")]
    [InlineData("INSERT INTO orders VALUES (1)", "INSERT")]
    [InlineData("DROP TABLE orders", "DROP")]
    [InlineData("SELECT 1; DROP TABLE orders", "")]
    [InlineData("SELECT 1; SELECT 2", "one statement")]
    [InlineData("/* hidden */ DELETE FROM orders -- ; SELECT 1", "DELETE")]
    public async Task Hostile_statements_are_refused_with_a_clear_error(string sql, string named)
    {
        var e = await Assert.ThrowsAnyAsync<LadleException>(() => SqlAsync(Root, sql));
        Assert.True(e is InvalidRequestException or ForbiddenException, e.GetType().Name + ": " + e.Message);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        // The store is untouched.
        Assert.Equal(60L, Assert.Single((await SqlAsync(Root, "SELECT count(*) FROM orders")).Rows)[0]);
    }

    [Theory]
    [InlineData("SELECT count(*) FROM orders WHERE customer_email LIKE 'buyer3%'")]
    [InlineData("SELECT customer_phone, count(*) FROM orders GROUP BY customer_phone")]
    [InlineData("SELECT 1 FROM orders a JOIN orders b ON a.customer_email = b.customer_email")]
    public async Task Filtering_grouping_or_joining_on_a_masked_column_is_refused_as_in_rest(string sql)
    {
        var e = await Assert.ThrowsAsync<ForbiddenException>(() => SqlAsync(M42, sql));
        Assert.Contains("is masked for principal 'm42'", e.Message, StringComparison.Ordinal);
        // An admin sees PII in clear and may.
        await SqlAsync(Root, sql);
    }

    [Theory]
    [InlineData("SELECT count(*) FROM (SELECT customer_email AS e FROM orders) s WHERE e LIKE 'buyer3%'")]
    [InlineData("WITH x AS (SELECT lower(customer_email) AS mail FROM orders) SELECT mail, count(*) FROM x GROUP BY mail")]
    [InlineData("SELECT customer_phone, count(*) FROM orders GROUP BY 1")]
    [InlineData("SELECT customer_phone AS p, count(*) FROM orders GROUP BY p")]
    [InlineData("SELECT customer_phone, count(*) FROM orders GROUP BY ALL")]
    [InlineData("SELECT count(*) FROM orders o WHERE upper(o.customer_email) = 'X'")]
    [InlineData("SELECT count(*) FROM (SELECT *, 1 AS k FROM orders) t WHERE t.customer_email = 'x'")]
    [InlineData("SELECT 1 FROM contacts c JOIN orders o ON c.customer_email = o.customer_email")]
    [InlineData("SELECT count(*) FROM contacts WHERE customer_email IN (SELECT customer_email FROM orders)")]
    [InlineData("SELECT count(*) FROM contacts c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_email = c.customer_email)")]
    [InlineData("SELECT count(*) FROM (SELECT customer_email FROM contacts UNION ALL SELECT customer_email FROM orders) u WHERE customer_email LIKE 'b%'")]
    [InlineData("SELECT count(*) FROM orders WHERE order_id IN (SELECT order_id FROM orders o2 WHERE o2.customer_phone LIKE '+351%')")]
    [InlineData("SELECT row_number() OVER (PARTITION BY customer_email) FROM orders")]
    public async Task A_masked_column_stays_refused_in_conditions_under_any_alias_expression_subquery_or_cte(string sql)
    {
        var e = await Assert.ThrowsAsync<ForbiddenException>(() => SqlAsync(M42, sql));
        Assert.Contains("is masked for principal 'm42'", e.Message, StringComparison.Ordinal);
        Assert.Contains("of 'orders'", e.Message, StringComparison.Ordinal);
        await SqlAsync(Root, sql);
    }

    [Theory]
    [InlineData("SELECT count(*) FROM contacts c JOIN orders o USING (merchant_id) WHERE c.customer_email LIKE 'lead%'", "20")]
    [InlineData("SELECT count(*) FROM orders o JOIN contacts c ON c.merchant_id = o.merchant_id AND c.customer_email = 'lead1@example.com'", "20")]
    [InlineData("SELECT count(*) FROM contacts WHERE customer_email LIKE 'lead%' AND merchant_id IN (SELECT merchant_id FROM orders)", "1")]
    [InlineData("SELECT count(DISTINCT g.customer_email) FROM (SELECT customer_email, count(*) FROM contacts GROUP BY 1) g, orders", "2")]
    [InlineData("WITH mail AS (SELECT customer_email AS e FROM contacts) SELECT count(*) FROM mail, orders o WHERE mail.e LIKE 'lead%' AND o.amount > 0", "20")]
    public async Task A_column_of_another_dataset_sharing_a_masked_columns_name_is_served(string sql, string count)
    {
        // Each statement also reads orders, whose customer_email is masked for m42: only the unmasked contacts' column is a condition.
        var answer = await SqlAsync(M42, sql);
        Assert.Equal(count, Convert.ToString(Assert.Single(answer.Rows)[0], CultureInfo.InvariantCulture));
        // The masked column beside it is still masked in what is answered.
        var masked = await SqlAsync(M42, "SELECT o.customer_email, c.customer_email FROM orders o JOIN contacts c USING (merchant_id) WHERE c.customer_email LIKE 'lead%' ORDER BY o.order_id LIMIT 1");
        var row = Assert.Single(masked.Rows);
        Assert.DoesNotContain("buyer", (string)row[0]!, StringComparison.Ordinal);
        Assert.Equal("lead1@example.com", row[1]);
    }

    [Fact]
    public async Task The_same_statement_run_again_answers_each_bound_value_and_outlives_a_failed_run()
    {
        // The sandbox keeps each statement prepared on its connection: values are bound afresh every time.
        const string sql = "SELECT count(*) FROM orders WHERE order_id > $1";
        for (var round = 0; round < 3; round++)
            foreach (var (after, count) in new[] { (50L, 4L), (0L, 20L), (59L, 1L) })
                Assert.Equal(count, Assert.Single((await SqlAsync(M42, sql, after)).Rows)[0]);
        const string cast = "SELECT CAST($1 AS INTEGER) + count(*) FROM orders";
        Assert.Equal(21L, Convert.ToInt64(Assert.Single((await SqlAsync(M42, cast, "1")).Rows)[0], CultureInfo.InvariantCulture));
        await Assert.ThrowsAnyAsync<LadleException>(() => SqlAsync(M42, cast, "not a number"));
        Assert.Equal(22L, Convert.ToInt64(Assert.Single((await SqlAsync(M42, cast, "2")).Rows)[0], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Live_dataset_is_refused_with_the_reason()
    {
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() => SqlAsync(M42, "SELECT * FROM live_things"));
        Assert.Contains("live", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Engine_errors_are_the_statements_without_row_values()
    {
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() => SqlAsync(M42, "SELECT no_such_column FROM orders"));
        Assert.Contains("no_such_column", e.Message, StringComparison.Ordinal);
        var data = await Assert.ThrowsAnyAsync<LadleException>(() => SqlAsync(M42, "SELECT CAST(customer_email AS INTEGER) FROM orders"));
        Assert.DoesNotContain("example.com", data.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_gives_columns_with_engine_types_and_parameter_types_without_running()
    {
        var description = await fixture.Pipeline.DescribeSqlAsync(M42, "SELECT order_id, amount, customer_email, uuid() AS u FROM orders WHERE order_id = $1 AND amount > 0 OR $2 = 'x'", CancellationToken.None);
        Assert.Equal(["order_id", "amount", "customer_email", "u"], description.Columns.Select(c => c.Name));
        Assert.Equal("UUID", description.Columns[3].EngineType);
        Assert.Equal("VARCHAR", description.Columns[2].EngineType);
        Assert.Equal(2, description.ParameterTypes.Count);
        Assert.Equal("BIGINT", description.ParameterTypes[0]);
        Assert.Equal("VARCHAR", description.ParameterTypes[1]);
    }

    [Fact]
    public async Task Values_of_engine_only_types_are_served_as_text_with_their_engine_type()
    {
        var answer = await SqlAsync(M42, """
            SELECT '6b1f0b3a-2d5e-4c1a-9f3e-0a1b2c3d4e5f'::UUID AS u, INTERVAL '14 months 3 days 04:05:06.5' AS i, INTERVAL '2 hours' AS h,
                   'ab'::BLOB AS b, [1, 2] AS l, {'a': 1, 'b': 'z'} AS s, 170141183460469231731687303715884105727::HUGEINT AS big,
                   18446744073709551615::UBIGINT AS ubig, TIME '10:00:01' AS t, 3::INTEGER AS n, 2.50::DECIMAL(18,2) AS d
            """);
        Assert.Equal(["UUID", "INTERVAL", "INTERVAL", "BLOB", "LIST", "STRUCT", "HUGEINT", "UBIGINT", "TIME", "INTEGER", "DECIMAL(18,2)"], answer.Columns.Select(c => c.EngineType));
        Assert.Equal(
            ["6b1f0b3a-2d5e-4c1a-9f3e-0a1b2c3d4e5f", "1 year 2 mons 3 days 04:05:06.5", "02:00:00", "YWI=", "[1, 2]", "{'a': 1, 'b': 'z'}",
             "170141183460469231731687303715884105727", 18446744073709551615m, "10:00:01", 3L, 2.50m],
            Assert.Single(answer.Rows));
    }

    [Theory]
    [InlineData("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT sum(n) FROM r", "15")]
    [InlineData("SELECT count(*) FROM (SELECT order_id FROM orders UNION ALL SELECT order_id FROM retail.orders)", "40")]
    [InlineData("SELECT count(*) FROM merchants WHERE merchant_id IN (SELECT merchant_id FROM orders)", "1")]
    [InlineData("SELECT count(*) FROM orders o, LATERAL (SELECT o.amount * 2 AS d) x", "20")]
    [InlineData("SELECT max(rn) FROM (SELECT row_number() OVER (PARTITION BY merchant_id ORDER BY order_id) AS rn FROM orders)", "20")]
    [InlineData("SELECT order_id FROM orders ORDER BY order_id DESC LIMIT 1 OFFSET 1", "57")]
    [InlineData("SELECT 'a; DROP TABLE x -- not a comment /* nor this */' AS s", "a; DROP TABLE x -- not a comment /* nor this */")]
    [InlineData("WITH orders AS (SELECT 1 AS order_id) SELECT count(*) FROM orders", "1")]
    [InlineData("SELECT count(DISTINCT orders.merchant_id) FROM orders", "1")]
    [InlineData("FROM orders SELECT count(*)", "20")]
    [InlineData("SELECT count(*) FROM shop.retail.orders JOIN main.merchants USING (merchant_id)", "20")]
    [InlineData("SELECT list_sum(list_transform([1, 2, 3], x -> x * 2))", "12")]
    [InlineData("SELECT count(*) FROM range(3) r, generate_series(1, 2) g, unnest([1, 2]) u", "12")]
    public async Task Tricky_statements_round_trip_through_the_rewrite_and_stay_in_scope(string sql, string expected)
    {
        var answer = await SqlAsync(M42, sql);
        Assert.Equal(expected, Convert.ToString(Assert.Single(answer.Rows)[0], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Parameters_bind_to_their_numbers_beside_the_row_filters_values()
    {
        var answer = await SqlAsync(M42, "SELECT count(*) FROM orders WHERE order_id > $1 AND merchant_id IN (SELECT merchant_id FROM merchants WHERE merchant_id = $2)", 30L, 42L);
        Assert.Equal(10L, Assert.Single(answer.Rows)[0]);
        var missing = await Assert.ThrowsAsync<InvalidRequestException>(() => SqlAsync(M42, "SELECT count(*) FROM orders WHERE order_id > $1 AND order_id < $2", 30L));
        Assert.Equal("parameters", missing.Parameter);
        await Assert.ThrowsAsync<InvalidRequestException>(() => SqlAsync(M42, "SELECT $name"));
    }

    [Fact]
    public async Task A_statement_running_past_the_statement_timeout_is_stopped()
    {
        await using var server = await LoopbackServer.StartAsync(root =>
            LoopbackServer.File(root, "ladle.yaml", "name: slow\nserver:\n  statement_timeout: 1s\n"));
        var sink = new CollectingSink();
        var request = new SqlRequest
        {
            Principal = Principal.Local, Interface = "pg",
            Sql = "SELECT sum(a * b) FROM range(100000000) a, range(100000000) b",
        };
        await Assert.ThrowsAsync<StatementTimeoutException>(() =>
            server.Services.GetRequiredService<ReadPipeline>().ServeAsync(request, sink, CancellationToken.None));
    }

    /// <summary>A stand-in for the synthetic pg_catalog (pgcatalog implements the real one): one relation, one function, one cast.</summary>
    private sealed class TinyCatalog : Engine.SqlGateway.ISqlCatalog
    {
        public List<string> Asked { get; } = [];
        public string Normalize(string sql) => sql.Replace("OPERATOR(pg_catalog.~)", "~", StringComparison.Ordinal);

        public IReadOnlyList<string?>? ResultTypes(System.Text.Json.Nodes.JsonObject statement) => null;

        public string? Relation(string? schema, string name, Principal principal) =>
            (schema is null or "pg_catalog") && name == "pg_namespace" ? $"SELECT * FROM (VALUES ('retail'), ('{principal.Name}')) AS n(nspname)" : null;

        public Engine.SqlGateway.SqlFunctionRewrite? Function(string? schema, string name, int arguments, Principal principal)
        {
            Asked.Add(name);
            return name switch
            {
                "version" => new(null, [], "'PostgreSQL 15.0 (Ladle)'"),
                "obj_description" => new("main.concat", ["' for '", $"'{principal.Name}'"]),
                _ => null,
            };
        }

        public Engine.SqlGateway.SqlFunctionRewrite? Cast(string? schema, string typeName, Principal principal) =>
            typeName == "regclass" ? new("main.upper", []) : null;

        public IReadOnlyList<string> Setup => [];
    }

    [Fact]
    public async Task Catalog_relations_functions_and_casts_are_rewritten_by_the_sql_catalog()
    {
        var catalog = new TinyCatalog();
        fixture.Pipeline.SqlCatalog = catalog;
        try
        {
            var answer = await SqlAsync(M42, """
                SELECT version(), obj_description(n.nspname), 'orders'::regclass, count(*) OVER () AS n
                FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.~) 'm4.*'
                """);
            Assert.Equal(["PostgreSQL 15.0 (Ladle)", "m42 for m42", "ORDERS", 1L], Assert.Single(answer.Rows));
            Assert.Equal("version", answer.Columns[0].Name);
            Assert.DoesNotContain("~", catalog.Asked);
            await Assert.ThrowsAsync<NotFoundException>(() => SqlAsync(M42, "SELECT * FROM pg_catalog.pg_class"));
        }
        finally
        {
            fixture.Pipeline.SqlCatalog = null;
        }
    }

    [Fact]
    public async Task Unnamed_columns_get_postgresql_names()
    {
        var aggregate = await SqlAsync(M42, "SELECT count(*), 1 + 1, sum(amount) FROM orders");
        Assert.Equal(["count", "?column?", "sum"], aggregate.Columns.Select(c => c.Name));
        var rows = await SqlAsync(M42, "SELECT order_id, s FROM orders, generate_series(1, 1) s WHERE order_id = 3");
        Assert.Equal(["order_id", "s"], rows.Columns.Select(c => c.Name));
    }

    [Fact]
    public async Task With_the_synthetic_catalog_a_principal_lists_only_the_tables_it_may_see()
    {
        fixture.Pipeline.SqlCatalog = new Engine.SqlGateway.Catalog.PgCatalog(fixture.Server.Engine.Project, fixture.Pipeline.Policy);
        try
        {
            const string tables = "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v') AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' ORDER BY 1";
            var seen = (await SqlAsync(M42, tables)).Rows.Select(r => (string)r[0]!).ToList();
            Assert.Contains("orders", seen);
            Assert.DoesNotContain("ledger", seen);
            Assert.Contains("ledger", (await SqlAsync(Root, tables)).Rows.Select(r => (string)r[0]!));
            var version = await SqlAsync(M42, "SELECT version()");
            Assert.StartsWith("PostgreSQL 15", (string)Assert.Single(version.Rows)[0]!, StringComparison.Ordinal);
            Assert.Equal("version", version.Columns[0].Name);
            // Datasets still read inside the principal's scope beside the catalog.
            Assert.Equal(20L, Assert.Single((await SqlAsync(M42, "SELECT count(*) FROM orders")).Rows)[0]);
        }
        finally
        {
            fixture.Pipeline.SqlCatalog = null;
        }
    }

    [Fact]
    public async Task Explain_and_values_are_served()
    {
        var values = await SqlAsync(M42, "VALUES (1, 'a'), (2, 'b')");
        Assert.Equal(2, values.Rows.Count);
        var explain = await SqlAsync(M42, "EXPLAIN SELECT * FROM orders");
        Assert.NotEmpty(explain.Rows);
    }

    [Fact]
    public async Task Every_statement_is_audited_with_its_interface_datasets_and_text()
    {
        await SqlAsync(M42, "SELECT count(*) AS audited_marker FROM orders");
        await Assert.ThrowsAsync<NotFoundException>(() => SqlAsync(M42, "SELECT 1 AS refused_marker FROM ledger"));
        await fixture.Server.Services.GetRequiredService<AuditWriter>().FlushAsync();
        var audit = (await fixture.Server.Engine.State.QueryAuditAsync(new AuditQuery(Principal: "m42", Limit: 10_000), CancellationToken.None)).ToList();
        var ok = Assert.Single(audit, e => e.Filters.Contains("audited_marker", StringComparison.Ordinal));
        Assert.Equal(("pg", "sql", "orders", "ok", 1L), (ok.Interface, ok.Action, ok.Target, ok.Status, ok.Rows));
        var refused = Assert.Single(audit, e => e.Filters.Contains("refused_marker", StringComparison.Ordinal));
        Assert.Equal(("pg", "not-found"), (refused.Interface, refused.Status));
    }

    [Fact]
    public async Task A_statement_sent_again_answers_from_the_version_published_since_with_its_new_columns()
    {
        // The gateway keeps what it worked out for a statement; a publication must never leave it reading the old version.
        var sql = "SELECT * FROM tally ORDER BY id";
        for (var i = 0; i < 2; i++)
        {
            var before = await SqlAsync(Root, sql);
            Assert.Equal(2, before.Rows.Count);
            Assert.Equal(["id", "merchant_id"], before.Columns.Select(c => c.Name));
        }

        LoopbackServer.File(fixture.Server.Root, "data/tally.csv", "id,merchant_id,note\n1,42,a\n2,7,b\n3,42,c\n");
        using var refresh = new HttpRequestMessage(HttpMethod.Post, "/api/v1/datasets/tally/refresh?wait=true");
        refresh.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Tokens["root"]);
        using (var published = await fixture.Server.Http.SendAsync(refresh)) published.EnsureSuccessStatusCode();

        var after = await SqlAsync(Root, sql);
        Assert.Equal(3, after.Rows.Count);
        Assert.Equal(["id", "merchant_id", "note"], after.Columns.Select(c => c.Name));
        Assert.Equal(2L, Assert.Single(after.Answer!.Datasets).Version);
        var mine = await SqlAsync(M42, "SELECT id FROM tally ORDER BY id");
        Assert.Equal([1L, 3L], mine.Rows.Select(r => r[0]));
    }

    [Fact]
    public async Task The_same_statement_from_principals_with_other_row_filters_answers_each_its_own_rows()
    {
        // Same text, same parameters, one after the other: each principal's scope is applied, never the previous one's.
        const string sql = "SELECT DISTINCT merchant_id FROM orders WHERE order_id > $1";
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal(42L, Assert.Single((await SqlAsync(M42, sql, 0L)).Rows)[0]);
            Assert.Equal(7L, Assert.Single((await SqlAsync(M7, sql, 0L)).Rows)[0]);
            var otherAttributes = new Principal("m42", new Dictionary<string, string> { ["merchant_id"] = "99" }) { Method = AuthMethod.Token };
            Assert.Equal(99L, Assert.Single((await SqlAsync(otherAttributes, sql, 0L)).Rows)[0]);
            Assert.Equal(3, (await SqlAsync(Root, sql, 0L)).Rows.Count);
        }

        // The same text with another value, and then bound to fewer values than it uses, as the first time.
        Assert.Empty((await SqlAsync(M42, sql, 100L)).Rows);
        var missing = await Assert.ThrowsAsync<InvalidRequestException>(() => SqlAsync(M42, sql));
        Assert.Equal("parameters", missing.Parameter);
    }

    [Fact]
    public async Task A_statement_stopped_by_its_caller_or_its_timeout_leaves_the_next_statements_answering()
    {
        await using var server = await LoopbackServer.StartAsync(root =>
            LoopbackServer.File(root, "ladle.yaml", "name: slow\nserver:\n  statement_timeout: 1s\n"));
        var pipeline = server.Services.GetRequiredService<ReadPipeline>();
        SqlRequest Request(string sql) => new() { Principal = Principal.Local, Interface = "pg", Sql = sql };
        const string slow = "SELECT sum(a * b) FROM range(100000000) a, range(100000000) b";

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<StatementTimeoutException>(() => pipeline.ServeAsync(Request(slow), new CollectingSink(), CancellationToken.None));
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.ServeAsync(Request(slow), new CollectingSink(), cancel.Token));
            var sink = new CollectingSink();
            await pipeline.ServeAsync(Request("SELECT 40 + 2 AS answer"), sink, CancellationToken.None);
            Assert.Equal(42, Convert.ToInt32(Assert.Single(sink.Rows)[0], CultureInfo.InvariantCulture));
        }
    }
}
