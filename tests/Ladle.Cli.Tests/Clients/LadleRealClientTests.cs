namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// Every real client against Ladle's PostgreSQL listener: `ladle serve --pg 127.0.0.1:PORT --dev` over a copy of
/// tests/clients/project, held to the same contract PostgreSQL 15 meets in <see cref="PostgresRealClientTests"/>.
/// </summary>
public sealed class LadleRealClientTests(LadleClientsFixture ladle) : RealClientContract, IClassFixture<LadleClientsFixture>
{
    protected override ClientEndpoint Endpoint => ladle.Endpoint;

    // DuckDB has one string type: a varchar is served as text, as every string column is.
    protected override int VarcharOid => 25;

    protected override Task PrepareAsync() => ladle.StartAsync();

    [Fact]
    public Task Psql_meta_commands_query_and_copy_show_the_project() => PsqlAsync();

    [Fact]
    public Task Npgsql_reads_every_type_prepares_describes_and_cancels() => NpgsqlAsync();

    [Fact]
    public Task Psycopg2_and_pandas_through_SQLAlchemy_read_the_rows() => PythonAsync();

    [Fact]
    public Task Pgjdbc_lists_tables_and_columns_and_reads_the_rows() => JavaAsync();

    [Fact]
    public Task Node_postgres_reads_the_rows_with_parameters() => NodeAsync();

    [Fact]
    public async Task Ladle_answers_every_captured_catalog_query_with_PostgreSQL_15s_shape()
    {
        await ladle.StartAsync();
        // One known difference: a regclass (x::regclass) is held as the relation's name, which is its text form but not
        // its binary one (the OID), so a client asking for binary, as this Npgsql replay does, is told text instead.
        await CapturedQueryCorpus.AssertSameShapesAsync(ladle.Endpoint.ConnectionString, (expected, actual) => expected == 2205 && actual == 25);
    }

    [Fact]
    public async Task Catalog_columns_decimals_and_json_go_out_with_PostgreSQLs_types_and_read_back_in_binary()
    {
        await ladle.StartAsync();
        await using var connection = new Npgsql.NpgsqlConnection(ladle.Endpoint.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT c.oid, c.relname, c.relkind, n.nspname AS schema, CAST(12.5 AS DECIMAL(10,2)) AS price, CAST('{\"a\": 1}' AS JSON) AS doc " +
            "FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace WHERE c.relname = 'orders'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.Equal<uint>([26, 19, 18, 19, 1700, 114], Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeOID));
        var price = reader.GetColumnSchema()[4];
        Assert.Equal((10, 2), (price.NumericPrecision, price.NumericScale)); // the typmod of numeric(10,2)
        Assert.True(await reader.ReadAsync());
        Assert.True(reader.GetFieldValue<uint>(0) >= 1u << 30); // a dataset's OID: FNV-1a into [2^30, 2^31)
        Assert.Equal("orders", reader.GetFieldValue<string>(1));
        Assert.Equal('r', reader.GetFieldValue<char>(2));
        Assert.Equal("retail", reader.GetFieldValue<string>(3));
        Assert.Equal(12.50m, reader.GetFieldValue<decimal>(4));
        Assert.Equal("{\"a\": 1}", reader.GetFieldValue<string>(5));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public Task Psql_over_TLS_with_SCRAM_as_a_row_filtered_masked_principal_reads_what_REST_answers_it() =>
        AsPrincipalAsync(ClientHarness.Psql, output =>
        {
            Assert.Contains(ClientHarness.Section(output, "conninfo"), l => l.StartsWith("SSL connection (protocol: TLS", StringComparison.Ordinal));
            return [
            ("orders", PsqlRows(output, "query", ClientsProject.OrderColumns)),
            ("customers", PsqlRows(output, "customers", CustomerColumns))];
        });

    [Fact]
    public Task Npgsql_over_TLS_with_SCRAM_as_a_row_filtered_masked_principal_reads_what_REST_answers_it() =>
        AsPrincipalAsync(ClientHarness.Npgsql, output => [
            ("orders", Step(output, "npgsql.rows")),
            ("customers", Step(output, "npgsql.customers"))]);

    [Fact]
    public Task Psycopg2_and_pandas_over_TLS_with_SCRAM_as_a_row_filtered_masked_principal_read_what_REST_answers_it() =>
        AsPrincipalAsync(ClientHarness.Python, output => [
            ("orders", Step(output, "psycopg2.rows")),
            ("customers", Step(output, "psycopg2.customers")),
            ("orders", Step(output, "pandas.rows")),
            ("customers", Step(output, "pandas.customers"))]);

    [Fact]
    public Task Pgjdbc_over_TLS_with_SCRAM_as_a_row_filtered_masked_principal_reads_what_REST_answers_it() =>
        AsPrincipalAsync(ClientHarness.Java, output => [
            ("orders", Step(output, "jdbc.rows")),
            ("customers", Step(output, "jdbc.customers"))]);

    [Fact]
    public Task Node_postgres_over_TLS_with_SCRAM_as_a_row_filtered_masked_principal_reads_what_REST_answers_it() =>
        AsPrincipalAsync(ClientHarness.Node, output => [
            ("orders", Step(output, "pg.rows")),
            ("customers", Step(output, "pg.customers"))]);

    private static readonly string[] CustomerColumns = ["customer_id", "name", "email", "country"];

    /// <summary>
    /// Runs <paramref name="client"/> over TLS (sslmode=require) with SCRAM-SHA-256 as eu_analyst, whose orders are
    /// row-filtered to EU and whose customers' email is masked, and asserts every dataset read it printed equals what
    /// REST answers the same principal, row for row.
    /// </summary>
    private async Task AsPrincipalAsync(string client, Func<string, IEnumerable<(string Dataset, List<string?[]> Rows)>> reads)
    {
        var (endpoint, token) = await ladle.PrincipalAsync();
        var output = await ClientHarness.RunAsync(client, endpoint);

        var orders = await RestAsync("orders", "order_id", ClientsProject.OrderColumns, token);
        Assert.Equal(ClientsProject.Orders.Count(r => r[2] == "EU"), orders.Count); // the row filter holds on REST
        Assert.True(orders.Count < ClientsProject.Orders.Count);
        var customers = await RestAsync("customers", "customer_id", CustomerColumns, token);
        Assert.NotEmpty(customers);
        Assert.All(customers, c => Assert.Null(c[2])); // email is pii: redacted for a principal without clearance
        foreach (var (dataset, rows) in reads(output))
            AssertRows(dataset == "orders" ? orders : customers, rows);
    }

    private async Task<List<string?[]>> RestAsync(string dataset, string order, string[] columns, string token)
    {
        var csv = await ladle.RestCsvAsync(dataset, order, token);
        return csv.Skip(1).Select(r => columns.Select(c => Canonical(c, r[Array.IndexOf(csv[0], c)])).ToArray()).ToList();
    }

    private static List<string?[]> Step(string output, string step) => ClientHarness.Rows(ClientHarness.Step(output, step)["rows"]);

    /// <summary>psql's unaligned rows of a section: after the header, without the footer, NULL printed as &lt;null&gt;.</summary>
    private static List<string?[]> PsqlRows(string output, string section, string[] columns)
    {
        var lines = ClientHarness.Section(output, section);
        Assert.Equal(string.Join('|', columns), lines[0]);
        return lines.Skip(1).Where(l => !System.Text.RegularExpressions.Regex.IsMatch(l, @"^\(\d+ rows?\)$"))
            .Select(l => l.Split('|').Select((v, i) => ClientsProject.Canonical(columns[i], v)).ToArray()).ToList();
    }

    // REST's CSV: an empty field is NULL, timestamps are UTC instants ending in Z.
    private static string? Canonical(string column, string text) =>
        text.Length == 0 ? null : ClientsProject.Canonical(column, column == "ordered_at" ? text.TrimEnd('Z') : text);
}
