using System.Net.Http.Headers;
using System.Text;
using Ladle.Engine.Access;

namespace Ladle.Server.Tests;

/// <summary>
/// A secured project (no --dev) with merchants' orders (PII columns masked partial and hash), CRM customers,
/// a finance dataset nobody but admins may see, merchants' payments with a check (no PII, row-filtered for merchants),
/// a model with expressions over a PII column, and tokens for each kind of principal.
/// </summary>
public sealed class AccessFixture : IAsyncLifetime
{
    public const string EmbedKeyVariable = "LADLE_TEST_EMBED_KEY";
    public const string EmbedKey = "test-embed-signing-key-of-at-least-32-bytes";

    public LoopbackServer Server { get; private set; } = null!;
    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(EmbedKeyVariable, EmbedKey);
        Server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: secured\nsources:\n  files:\n    kind: files\n    path: data\n");
            var orders = new StringBuilder("order_id,merchant_id,customer_email,customer_phone,amount\n");
            for (var i = 1; i <= 300; i++) orders.Append($"{i},{(i % 3 == 0 ? 42 : i % 3 == 1 ? 7 : 99)},buyer{i}@example.com,+351 912 000 {i:000},{i}.50\n");
            LoopbackServer.File(root, "data/orders.csv", orders.ToString());
            LoopbackServer.File(root, "data/customers.csv", "customer_id,email,city\n1,ana@example.com,Lisbon\n2,ben@example.com,Porto\n");
            LoopbackServer.File(root, "data/ledger.csv", "entry,amount\n1,1000000\n");
            LoopbackServer.File(root, "data/merchants.csv", "merchant_id,name\n7,Seven Shop\n42,Answer Store\n99,Ninety Nine\n");
            LoopbackServer.File(root, "data/stock.csv", StockCsv(duplicate: false));
            LoopbackServer.File(root, "datasets/merchants.yaml", """
                name: merchants
                domain: retail
                source: files
                table: merchants.csv
                columns:
                  - { name: merchant_id, type: integer }
                  - { name: name, type: string }
                """);
            LoopbackServer.File(root, "models/merchants.yaml", """
                dataset: merchants
                entities:
                  - { name: merchant, type: primary }
                dimensions:
                  - { name: name }
                """);
            LoopbackServer.File(root, "datasets/stock.yaml", """
                name: stock
                domain: retail
                owner: stock-team@example.com
                source: files
                table: stock.csv
                materialization: table
                columns:
                  - { name: sku, type: integer }
                  - { name: units, type: integer }
                checks:
                  - { name: sku_unique, type: unique, column: sku }
                """);
            LoopbackServer.File(root, "models/stock.yaml", """
                dataset: stock
                entities:
                  - { name: sku, type: primary }
                measures:
                  - { name: total_units, agg: sum, column: units }
                metrics:
                  - { name: units, measure: total_units }
                """);
            var payments = new StringBuilder("payment_id,merchant_id,amount\n");
            for (var i = 1; i <= 300; i++) payments.Append($"{i},{(i % 3 == 0 ? 42 : i % 3 == 1 ? 7 : 99)},{i}.25\n");
            LoopbackServer.File(root, "data/payments.csv", payments.ToString());
            LoopbackServer.File(root, "datasets/payments.yaml", """
                name: payments
                domain: payments
                source: files
                table: payments*.csv
                columns:
                  - { name: payment_id, type: integer }
                  - { name: merchant_id, type: integer }
                  - { name: amount, type: decimal }
                checks:
                  - { name: amount_positive, type: range, column: amount, min: 0 }
                """);
            LoopbackServer.File(root, "datasets/orders.yaml", """
                name: orders
                domain: retail
                source: files
                table: orders.csv
                primary_key: [order_id]
                columns:
                  - { name: order_id, type: integer }
                  - { name: merchant_id, type: integer }
                  - { name: customer_email, type: string, pii: true, mask: partial }
                  - { name: customer_phone, type: string, pii: true, mask: hash }
                  - { name: amount, type: decimal }
                """);
            LoopbackServer.File(root, "datasets/customers.yaml", """
                name: customers
                domain: crm
                source: files
                table: customers.csv
                columns:
                  - { name: customer_id, type: integer }
                  - { name: email, type: string, pii: true }
                  - { name: city, type: string }
                """);
            LoopbackServer.File(root, "models/orders.yaml", """
                dataset: orders
                entities:
                  - { name: order, type: primary }
                  - { name: merchant, type: foreign }
                dimensions:
                  - { name: merchant_id, type: number }
                  - { name: customer_email }
                  - { name: email_lower, sql: "lower(customer_email)" }
                measures:
                  - { name: total_amount, agg: sum, column: amount }
                  - { name: top_email, agg: max, sql: "customer_email" }
                  - { name: example_orders, agg: count, filter: "customer_email like '%@example.com'" }
                metrics:
                  - { name: sales, measure: total_amount }
                  - { name: order_lines, measure: total_amount }
                  - { name: top_email, measure: top_email }
                  - { name: example_orders, measure: example_orders }
                """);
            // A value that does not convert to its declared type, in a table dataset (its build fails) and a live one.
            LoopbackServer.File(root, "data/scores.csv", "score_id,score\n1,10\n2,secret-score-of-ana\n");
            foreach (var (name, materialization) in new[] { ("broken_scores", "table"), ("live_scores", "live") })
                LoopbackServer.File(root, $"datasets/{name}.yaml", $$"""
                    name: {{name}}
                    domain: finance
                    source: files
                    table: scores.csv
                    materialization: {{materialization}}
                    columns:
                      - { name: score_id, type: integer }
                      - { name: score, type: integer }
                    """);
            LoopbackServer.File(root, "datasets/ledger.yaml", "name: ledger\ndomain: finance\nsource: files\ntable: ledger.csv\n");
            // A merchant's dashboard (embedded for one merchant at a time) and one over stock, which no embed grant covers.
            LoopbackServer.File(root, "dashboards/merchant.yaml", """
                title: Your sales
                tiles:
                  - { id: total, kind: kpi, metric: sales, title: Sales }
                  - { id: by_merchant, kind: bar, metric: sales, by: merchant_id }
                """);
            LoopbackServer.File(root, "dashboards/stock.yaml", "tiles:\n  - { kind: kpi, metric: units }\n");
            LoopbackServer.File(root, "access.yaml", $$$"""
                roles:
                  analyst:
                    grants:
                      - { actions: [read, export], domains: [retail, crm] }
                  browser:
                    grants:
                      - { actions: [read], domains: [retail] }
                  merchant:
                    grants:
                      - { actions: [read, export], datasets: [orders, payments], row_filter: "merchant_id = {{ principal.merchant_id }}" }
                  large_orders:
                    grants:
                      - { actions: [read], datasets: [orders], row_filter: "amount >= 250 and merchant_id != 7" }
                  embedder:
                    grants:
                      - { actions: [embed], datasets: [orders], row_filter: "merchant_id = {{ principal.merchant_id }}" }
                      - { actions: [embed], datasets: [customers] }
                  sales_reader:
                    grants:
                      - { actions: [read], metrics: [sales, units] }
                  merchant_kpi:
                    grants:
                      - { actions: [read], metrics: [order_lines], row_filter: "merchant_id = {{ principal.merchant_id }}" }
                  crm_reader:
                    grants:
                      - { actions: [read], domains: [crm] }
                  admin:
                    admin: true
                principals:
                  alice: { roles: [analyst], attributes: { region: EU } }
                  bob: { roles: [browser] }
                  m42: { kind: service, roles: [merchant], attributes: { merchant_id: 42 } }
                  m7: { kind: service, roles: [merchant], attributes: { merchant_id: 7 } }
                  nobody_merchant: { kind: service, roles: [merchant] }
                  portal: { kind: service, roles: [embedder, sales_reader] }
                  portal42: { kind: service, roles: [merchant, embedder], attributes: { merchant_id: 42 } }
                  busy_portal: { kind: service, roles: [embedder] }
                  mia: { roles: [crm_reader, sales_reader] }
                  kpi42: { kind: service, roles: [merchant_kpi, sales_reader], attributes: { merchant_id: 42 } }
                  stocky: { roles: [browser], attributes: { email: stock-team@example.com } }
                  m42_large: { kind: service, roles: [merchant, large_orders], attributes: { merchant_id: 42 } }
                  root: { roles: [admin] }
                  hasty: { roles: [analyst] }
                embed:
                  signing_key_envs: [{{{EmbedKeyVariable}}}]
                  max_ttl: 1h
                rate_limits:
                  hasty: { requests_per_second: 2 }
                  busy_portal: { requests_per_second: 2 }
                """);
        }, dev: false);
        var tokens = new TokenService(Server.Engine.Project, Server.Engine.State);
        foreach (var principal in new[] { "alice", "bob", "m42", "m7", "nobody_merchant", "portal", "root", "hasty", "m42_large", "portal42", "busy_portal", "mia", "stocky", "kpi42" })
            Tokens[principal] = (await tokens.CreateAsync(principal, null, "test", CancellationToken.None)).Token;
    }

    /// <summary>Stock levels: a unique sku each, or (to quarantine a version) one sku twice.</summary>
    public static string StockCsv(bool duplicate) => "sku,units\n1,10\n2,20\n" + (duplicate ? "2,25\n" : "3,30\n");

    /// <summary>A POST of JSON with the given bearer token.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, object body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Server.Http.SendAsync(request);
    }

    /// <summary>A GET with the given bearer token (none when null).</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Server.Http.SendAsync(request);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
