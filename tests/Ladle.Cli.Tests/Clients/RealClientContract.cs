using System.Globalization;
using System.Text.Json.Nodes;

namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// What every real client must see from an endpoint serving tests/clients/project: the project's own rows, exactly,
/// and its two tables in the catalog with their columns and types, as PostgreSQL 15 shows the same rows. One
/// subclass per endpoint (Dapper's pattern): PostgreSQL itself now, Ladle's listener once it is merged.
/// </summary>
public abstract class RealClientContract
{
    protected abstract ClientEndpoint Endpoint { get; }

    /// <summary>Starts the endpoint when a test first needs it (a skipped test starts nothing).</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    private static readonly string[][] Tables = [["crm", "customers"], ["retail", "orders"]];

    /// <summary>The type OID a <c>varchar</c> cast answers with (PostgreSQL's own varchar; a server with one string type says text).</summary>
    protected virtual int VarcharOid => 1043;

    protected async Task PsqlAsync()
    {
        await PrepareAsync();
        var output = await ClientHarness.RunAsync(ClientHarness.Psql, Endpoint);

        var conninfo = Assert.Single(ClientHarness.Section(output, "conninfo"));
        Assert.Contains($"database \"{Endpoint.Database}\" as user \"{Endpoint.User}\"", conninfo, StringComparison.Ordinal);
        Assert.Contains($"port \"{Endpoint.Port}\"", conninfo, StringComparison.Ordinal);
        Assert.Contains(ClientHarness.Section(output, "l"), l => l.StartsWith(Endpoint.Database + "|", StringComparison.Ordinal));
        var schemas = Fields(ClientHarness.Section(output, "dn")).Select(f => f[0]).ToList();
        Assert.Contains("retail", schemas);
        Assert.Contains("crm", schemas);
        Assert.Equal(["crm|customers|table", "retail|orders|table"],
            Fields(ClientHarness.Section(output, "dt")).Select(f => string.Join('|', f.Take(3))));

        var describe = ClientHarness.Section(output, "d.orders");
        Assert.Equal("Table \"retail.orders\"", describe[0]);
        Assert.Equal(ClientsProject.OrderColumns.Zip(ClientsProject.OrderTypeNames, (c, t) => c + "|" + t),
            // The type without its modifier: Ladle stores a CSV's decimals as numeric(38,10), PostgreSQL's table is numeric.
            Fields(describe).Select(f => f[0] + "|" + f[1].Split('(')[0]));
        Assert.Contains(describe, l => l.Contains("PRIMARY KEY", StringComparison.Ordinal) && l.Contains("(order_id)", StringComparison.Ordinal));

        var query = ClientHarness.Section(output, "query");
        Assert.Equal(string.Join('|', ClientsProject.OrderColumns), query[0]);
        AssertRows(ClientsProject.Orders, query.Skip(1).Where(l => !IsFooter(l)).Select(l => l.Split('|').Select((v, i) => ClientsProject.Canonical(ClientsProject.OrderColumns[i], v)).ToArray()));

        string[] copied = ["order_id", "amount", "ordered_at", "note"];
        var records = ClientsProject.ParseCsv(string.Join('\n', ClientHarness.Section(output, "copy")) + "\n");
        Assert.Equal(copied, records[0]);
        // COPY's CSV: an unquoted empty field is NULL.
        var rows = records.Skip(1).Select(r => r.Select((v, i) => v.Length == 0 ? null : ClientsProject.Canonical(copied[i], v)).ToArray());
        AssertRows(ClientsProject.Project(Eu(), copied), rows);
    }

    protected async Task NpgsqlAsync()
    {
        await PrepareAsync();
        var output = await ClientHarness.RunAsync(ClientHarness.Npgsql, Endpoint);
        Assert.True((bool)ClientHarness.Step(output, "npgsql.open")["postgres"]!);
        var rows = ClientHarness.Step(output, "npgsql.rows");
        AssertColumns(rows["columns"], ClientsProject.OrderTypeOids.Select(o => o.ToString(CultureInfo.InvariantCulture)));
        AssertRows(ClientsProject.Orders, ClientHarness.Rows(rows["rows"]));

        var types = ClientHarness.Step(output, "npgsql.types");
        Assert.Equal("""{"i2":"1","i4":"2","i8":"3","f4":"1.5","f8":"2.25","n":"12.5","b":"true","t":"x","v":"y","d":"2026-01-02","ts":"2026-01-02T03:04:05.5","tstz":"2026-01-02T03:04:05","iv":"1.00:00:00","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}""",
            types["values"]!.ToJsonString());
        Assert.Equal($$"""{"i2":21,"i4":23,"i8":20,"f4":700,"f8":701,"n":1700,"b":16,"t":25,"v":{{VarcharOid}},"d":1082,"ts":1114,"tstz":1184,"iv":1186,"u":2950}""",
            types["oids"]!.ToJsonString());

        var prepared = ClientHarness.Step(output, "npgsql.prepared");
        AssertRows(ClientsProject.Project(ClientsProject.Orders.Where(r => r[0] == "3" || r[2] == "EU"), "order_id", "amount", "note"), ClientHarness.Rows(prepared["eu"]));
        AssertRows(ClientsProject.Project(ClientsProject.Orders.Where(r => r[0] == "5" || r[2] == "APAC"), "order_id", "amount", "note"), ClientHarness.Rows(prepared["apac"]));

        Assert.Equal(Tables, Strings(ClientHarness.Step(output, "npgsql.schema.tables")["tables"]));
        Assert.Equal(ClientsProject.OrderColumns.Zip(ClientsProject.OrderTypeNames, (c, t) => new[] { c, t }),
            Strings(ClientHarness.Step(output, "npgsql.schema.columns")["columns"]));

        Assert.Equal("57014", (string?)ClientHarness.Step(output, "npgsql.cancel")["outcome"]);
        Assert.Equal(ClientsProject.Orders.Count, (int)ClientHarness.Step(output, "npgsql.after_cancel")["count"]!);
    }

    protected async Task PythonAsync()
    {
        await PrepareAsync();
        var output = await ClientHarness.RunAsync(ClientHarness.Python, Endpoint);
        AssertRows([["1"]], ClientHarness.Rows(ClientHarness.Step(output, "psycopg2.select1")["rows"]));
        var rows = ClientHarness.Step(output, "psycopg2.rows");
        AssertColumns(rows["columns"], ClientsProject.OrderTypeOids.Select(o => o.ToString(CultureInfo.InvariantCulture)));
        AssertRows(ClientsProject.Orders, ClientHarness.Rows(rows["rows"]));
        AssertRows(ClientsProject.Project(ClientsProject.Orders.Where(r => r[0] == "3" || r[2] == "EU"), "order_id", "amount", "note"),
            ClientHarness.Rows(ClientHarness.Step(output, "psycopg2.parameters")["rows"]));
        var aggregate = ClientsProject.Orders.GroupBy(r => r[2]!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new[] { g.Key, g.Count().ToString(CultureInfo.InvariantCulture), ClientsProject.CanonicalNumber(g.Sum(r => decimal.Parse(r[4]!, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture)) });
        AssertRows(aggregate, ClientHarness.Rows(ClientHarness.Step(output, "psycopg2.aggregate")["rows"]));

        Assert.True((bool)ClientHarness.Step(output, "sqlalchemy.has_table")["orders"]!);
        var frame = ClientHarness.Step(output, "pandas.rows");
        Assert.Equal(ClientsProject.OrderColumns, frame["columns"]!.AsArray().Select(c => (string?)c));
        AssertRows(ClientsProject.Orders, ClientHarness.Rows(frame["rows"]));
        AssertRows(ClientsProject.Project(ClientsProject.Orders.Where(r => r[1] == "8"), "region", "amount"),
            ClientHarness.Rows(ClientHarness.Step(output, "pandas.parameters")["rows"]));
    }

    protected async Task JavaAsync()
    {
        await PrepareAsync();
        var output = await ClientHarness.RunAsync(ClientHarness.Java, Endpoint);
        var metadata = ClientHarness.Step(output, "jdbc.metadata");
        Assert.Equal("PostgreSQL", (string?)metadata["product"]);
        Assert.Equal(15, (int)metadata["major"]!);
        Assert.Equal(Tables, Strings(ClientHarness.Step(output, "jdbc.getTables")["tables"]));
        string[] jdbcTypes = ["int8", "int8", "text", "text", "numeric", "float8", "bool", "date", "timestamp", "text"];
        Assert.Equal(ClientsProject.OrderColumns.Select((c, i) => new[] { c, jdbcTypes[i] }),
            Strings(ClientHarness.Step(output, "jdbc.getColumns")["columns"]).Select(c => c.Take(2).ToArray()));
        Assert.Equal(["order_id"], ClientHarness.Step(output, "jdbc.getPrimaryKeys")["columns"]!.AsArray().Select(c => (string?)c));
        var rows = ClientHarness.Step(output, "jdbc.rows");
        AssertColumns(rows["columns"], jdbcTypes);
        AssertRows(ClientsProject.Orders, ClientHarness.Rows(rows["rows"]));
        AssertRows(ClientsProject.Project(ClientsProject.Orders.Where(r => r[0] == "3" || r[2] == "EU"), "order_id", "amount", "note"),
            ClientHarness.Rows(ClientHarness.Step(output, "jdbc.prepared")["rows"]));
    }

    protected async Task NodeAsync()
    {
        await PrepareAsync();
        var output = await ClientHarness.RunAsync(ClientHarness.Node, Endpoint);
        Assert.True((bool)ClientHarness.Step(output, "pg.version")["postgres"]!);
        var rows = ClientHarness.Step(output, "pg.rows");
        AssertColumns(rows["columns"], ClientsProject.OrderTypeOids.Select(o => o.ToString(CultureInfo.InvariantCulture)));
        AssertRows(ClientsProject.Orders, ClientHarness.Rows(rows["rows"]));
        AssertRows(ClientsProject.Project(ClientsProject.Orders.Where(r => r[0] == "3" || r[2] == "EU"), "order_id", "amount", "note"),
            ClientHarness.Rows(ClientHarness.Step(output, "pg.parameters")["rows"]));
        AssertRows(ClientsProject.Project(ClientsProject.Orders.Where(r => r[1] == "8"), "order_id", "express", "ordered_at"),
            ClientHarness.Rows(ClientHarness.Step(output, "pg.prepared")["rows"]));
        AssertRows(ClientsProject.Customers, ClientHarness.Rows(ClientHarness.Step(output, "pg.customers")["rows"]));
    }

    private static bool IsFooter(string line) => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\(\d+ rows?\)$");

    private static IEnumerable<string?[]> Eu() => ClientsProject.Orders.Where(r => r[2] == "EU");

    /// <summary>Lines of psql's unaligned output that are rows: not the title, not the header, not the footer.</summary>
    private static IEnumerable<string[]> Fields(List<string> section) =>
        section.Where(l => l.Contains('|', StringComparison.Ordinal)).Skip(1).Select(l => l.Split('|'));

    private static List<string?[]> Strings(JsonNode? array) =>
        array!.AsArray().Select(r => r!.AsArray().Select(c => c?.ToString()).ToArray()).ToList();

    private static void AssertColumns(JsonNode? columns, IEnumerable<string> types) =>
        Assert.Equal(ClientsProject.OrderColumns.Zip(types, (c, t) => c + ":" + t), Strings(columns).Select(c => c[0] + ":" + c[1]));

    protected static void AssertRows(IEnumerable<string?[]> expected, IEnumerable<string?[]> actual)
    {
        var e = expected.Select(r => string.Join('|', r.Select(c => c ?? "<null>"))).ToList();
        var a = actual.Select(r => string.Join('|', r.Select(c => c ?? "<null>"))).ToList();
        Assert.Equal(e.Count, a.Count);
        for (var i = 0; i < e.Count; i++) Assert.True(e[i] == a[i], $"row {i + 1} differs:\nexpected {e[i]}\nactual   {a[i]}");
    }
}
