using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ladle.Engine.Access;
using Ladle.Engine.State;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ladle.Server.Tests.Postgres;

/// <summary>
/// A shop with a semantic model (orders with a daily rollup, customers with a PII dimension and a warning check),
/// served with the wire listener (SCRAM, no --dev), and tokens for an admin, an analyst without PII clearance, a
/// principal whose grant keeps only the EU's orders and one who may read customers only.
/// </summary>
public sealed class PgMetricsFixture : IAsyncLifetime
{
    public LoopbackServer Server { get; private set; } = null!;

    public Dictionary<string, string> Tokens { get; } = [];

    public int Port => Server.Host.Postgres!.EndPoint.Port;

    public async Task InitializeAsync()
    {
        Server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: shop\nsources:\n  files:\n    kind: files\n    path: data\n");
            var orders = new StringBuilder("order_id,customer_id,region,status,amount,ordered_at,note\n");
            for (var i = 1; i <= 3000; i++)
                orders.Append(CultureInfo.InvariantCulture,
                    $"{i},{i % 120},{(i % 3 == 0 ? "EU" : i % 3 == 1 ? "US" : "APAC")},{(i % 9 == 0 ? "cancelled" : "completed")},{i % 400}.25,2026-{1 + i % 6:00}-{1 + i % 27:00} {i % 24:00}:10:00,n{i % 5}\n");
            LoopbackServer.File(root, "data/orders.csv", orders.ToString());
            LoopbackServer.File(root, "data/customers.csv", "customer_id,segment,email\n" + string.Concat(Enumerable.Range(0, 120).Select(i => $"{i},{(i % 4 == 0 ? "vip" : "regular")},c{i}@example.com\n")));
            LoopbackServer.File(root, "datasets/orders.yaml", """
                name: orders
                domain: shop
                source: files
                table: orders.csv
                columns:
                  - { name: order_id, type: integer }
                  - { name: customer_id, type: integer }
                  - { name: region, type: string }
                  - { name: status, type: string }
                  - { name: amount, type: decimal }
                  - { name: ordered_at, type: timestamp }
                  - { name: note, type: string }
                """);
            LoopbackServer.File(root, "datasets/customers.yaml", """
                name: customers
                domain: shop
                source: files
                table: customers.csv
                columns:
                  - { name: customer_id, type: integer }
                  - { name: segment, type: string }
                  - { name: email, type: string, pii: true }
                checks:
                  - { name: enough_customers, type: row_count, min: 1000, severity: warn }
                """);
            LoopbackServer.File(root, "models/orders.yaml", """
                dataset: orders
                entities:
                  - { name: order, type: primary }
                  - { name: customer, type: foreign }
                dimensions:
                  - { name: region }
                  - { name: status }
                  - { name: ordered_at, type: time }
                measures:
                  - { name: revenue, agg: sum, column: amount, filter: "status = 'completed'" }
                  - { name: order_count, agg: count }
                rollups:
                  - { name: daily, measures: [revenue, order_count], dimensions: [region, status], time: { dimension: ordered_at, granularity: day } }
                metrics:
                  - { name: revenue, measure: revenue }
                  - { name: orders, measure: order_count }
                  - { name: aov, type: ratio, numerator: revenue, denominator: order_count }
                """);
            LoopbackServer.File(root, "models/customers.yaml", """
                dataset: customers
                entities:
                  - { name: customer, type: primary }
                dimensions:
                  - { name: segment }
                  - { name: email }
                measures:
                  - { name: customer_count, agg: count }
                metrics:
                  - { name: customers, measure: customer_count }
                """);
            LoopbackServer.File(root, "access.yaml", """
                roles:
                  analyst:
                    grants:
                      - { actions: [read, export], domains: [shop] }
                  eu_only:
                    grants:
                      - { actions: [read, export], datasets: [orders], row_filter: "region = 'EU'" }
                      - { actions: [read], datasets: [customers] }
                  customers_only:
                    grants:
                      - { actions: [read], datasets: [customers] }
                  admin:
                    admin: true
                principals:
                  cust: { roles: [customers_only] }
                  ana: { roles: [analyst] }
                  eu: { roles: [eu_only] }
                  root: { roles: [admin] }
                """);
        }, dev: false, postgres: "127.0.0.1:0");
        var tokens = new TokenService(Server.Engine.Project, Server.Engine.State);
        foreach (var principal in new[] { "ana", "eu", "root", "cust" })
            Tokens[principal] = (await tokens.CreateAsync(principal, null, "wire metrics test", CancellationToken.None)).Token;
    }

    /// <summary>An open Npgsql connection as <paramref name="principal"/> (SCRAM with its token), without type loading.</summary>
    public async Task<NpgsqlConnection> OpenAsync(string principal)
    {
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = principal, Password = Tokens[principal], Database = "shop", Pooling = false,
            SslMode = SslMode.Disable, GssEncryptionMode = GssEncryptionMode.Disable, Timeout = 30, CommandTimeout = 120,
        }.ConnectionString);
        builder.ConfigureTypeLoading(options => options.EnableTypeLoading(false));
        var connection = builder.Build().CreateConnection();
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Every row of a statement's answer as text (invariant culture), columns joined by '|'.</summary>
    public static async Task<List<string>> RowsAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => Text(reader.IsDBNull(i) ? null : reader.GetValue(i)))));
        return rows;
    }

    /// <summary>The REST metric answer of the same principal, its rows as <see cref="RowsAsync"/> writes them.</summary>
    public async Task<List<string>> RestRowsAsync(string principal, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/metrics/query?" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[principal]);
        using var response = await Server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var body = JsonDocument.Parse(text).RootElement;
        var columns = body.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        return body.GetProperty("rows").EnumerateArray().Select(r => string.Join('|', columns.Select(c => r.GetProperty(c) switch
        {
            { ValueKind: JsonValueKind.Null } => "",
            { ValueKind: JsonValueKind.Number } n => decimal.Parse(n.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            var v => Text(v.GetString()),
        }))).ToList();
    }

    /// <summary>The REST metric answer exported as CSV (not paged, so not capped: the query a wire client asks), its lines after the header.</summary>
    public async Task<List<string>> RestCsvAsync(string principal, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/metrics/query?format=csv&" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[principal]);
        using var response = await Server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.TrimEnd('\r').Replace(',', '|')).ToList();
    }

    /// <summary>A value as the comparison spells it: numbers normalized, dates and timestamps as ISO dates when midnight.</summary>
    private static string Text(object? value) => value switch
    {
        null => "",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        double f => f.ToString("R", CultureInfo.InvariantCulture),
        long or int or short => Convert.ToDecimal(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.TimeOfDay == TimeSpan.Zero ? t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        string s when DateTime.TryParseExact(s, ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss'Z'"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) =>
            Text(t),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>The audit entries of the wire interface, once what is queued is written.</summary>
    public async Task<List<AuditRecord>> WireAuditAsync()
    {
        await Server.Services.GetRequiredService<AuditWriter>().FlushAsync();
        return (await Server.Engine.State.QueryAuditAsync(new AuditQuery(Limit: 10_000), CancellationToken.None)).Where(e => e.Interface == "pg").ToList();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
