using System.Globalization;
using System.Text;
using Ladle.Engine.Access;

namespace Ladle.Server.Tests;

/// <summary>
/// A secured shop project served over loopback (no --dev): documented datasets with PII, checks (a warn check failing
/// with a sample), a freshness SLO, lineage (a SQL dataset over orders, and one over that), a quarantined version of
/// stock, a schedule, and tokens for an admin (root), an analyst (alice) and a row-filtered merchant (m42). The web
/// UI's browser tests look at the same project.
/// </summary>
public sealed class ShopServerFixture : IAsyncLifetime
{
    public const int Orders = 120;

    public LoopbackServer Server { get; private set; } = null!;
    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        Server = await LoopbackServer.StartAsync(Write, dev: false);
        // A second build of stock with a duplicate sku: its unique check fails, so that version is quarantined
        // and the first stays served.
        LoopbackServer.File(Server.Root, "data/stock.csv", "sku,units\n1,10\n2,20\n2,25\n");
        var again = await Server.Engine.Publisher.MaterializeAsync(["stock"], "test", null, CancellationToken.None);
        Assert.False(again.Single().Published);
        var tokens = new TokenService(Server.Engine.Project, Server.Engine.State);
        foreach (var principal in new[] { "root", "alice", "m42" })
            Tokens[principal] = (await tokens.CreateAsync(principal, null, "shop tests", CancellationToken.None)).Token;
    }

    private static void Write(string root)
    {
        LoopbackServer.File(root, "ladle.yaml", "name: shop\nsources:\n  files:\n    kind: files\n    path: data\n");
        var orders = new StringBuilder("order_id,customer_id,region,status,amount,customer_email,ordered_at\n");
        for (var i = 1; i <= Orders; i++)
        {
            // Order 77 has a status nobody expects: the warn check fails on it, with it as its sample.
            var status = i == 77 ? "lost" : i % 10 == 0 ? "returned" : "completed";
            orders.Append(CultureInfo.InvariantCulture,
                $"{i},{i % 12},{(i % 3 == 0 ? "EU" : i % 3 == 1 ? "US" : "APAC")},{status},{i * 3}.50,buyer{i}@example.com,2026-03-{1 + i % 28:00} 10:00:00\n");
        }
        LoopbackServer.File(root, "data/orders.csv", orders.ToString());
        LoopbackServer.File(root, "data/customers.csv", "customer_id,email,city\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"{i},c{i}@example.com,City {i}\n")));
        LoopbackServer.File(root, "data/stock.csv", "sku,units\n1,10\n2,20\n3,30\n");
        LoopbackServer.File(root, "datasets/orders.yaml", """
            name: orders
            domain: retail
            owner: retail-data@example.com
            description: One row per order placed in the web shop.
            source: files
            table: orders.csv
            materialization: table
            primary_key: [order_id]
            columns:
              - { name: order_id, type: integer, description: The order number. }
              - { name: customer_id, type: integer, description: Who ordered. }
              - { name: region, type: string, description: Sales region of the shipping address. }
              - { name: status, type: string, description: completed or returned. }
              - { name: amount, type: decimal, description: Order total in euros. }
              - { name: customer_email, type: string, description: Where the receipt went., pii: true, mask: partial }
              - { name: ordered_at, type: timestamp, description: When the order was placed. }
            checks:
              - { type: unique, column: order_id }
              - { type: accepted_values, column: status, values: [completed, returned], severity: warn, name: known_status }
            freshness:
              max_age: 1h
              objective: 99%
              window: 7d
            """);
        LoopbackServer.File(root, "datasets/customers.yaml", """
            name: customers
            domain: crm
            owner: crm-team@example.com
            description: Customers of the web shop, one row each.
            source: files
            table: customers.csv
            materialization: table
            schedule: "0 3 * * *"
            columns:
              - { name: customer_id, type: integer }
              - { name: email, type: string, pii: true, description: The customer's contact address. }
              - { name: city, type: string }
            """);
        LoopbackServer.File(root, "datasets/region_sales.yaml", """
            name: region_sales
            domain: retail
            owner: retail-data@example.com
            description: Sales per region, from the orders.
            materialization: table
            sql: select region, count(*) as orders, sum(amount) as revenue from orders group by region
            columns:
              - { name: region, type: string }
              - { name: orders, type: integer }
              - { name: revenue, type: decimal }
            """);
        LoopbackServer.File(root, "datasets/top_region.yaml", """
            name: top_region
            domain: retail
            description: The region that sells most.
            materialization: table
            sql: select region from region_sales order by revenue desc limit 1
            """);
        LoopbackServer.File(root, "datasets/stock.yaml", """
            name: stock
            domain: warehouse
            owner: stock-team@example.com
            description: Units in stock per SKU.
            source: files
            table: stock.csv
            materialization: table
            columns:
              - { name: sku, type: integer }
              - { name: units, type: integer }
            checks:
              - { name: sku_unique, type: unique, column: sku }
            """);
        LoopbackServer.File(root, "access.yaml", """
            roles:
              analyst:
                grants:
                  - { actions: [read, export], domains: [retail, crm, warehouse] }
              merchant:
                grants:
                  - { actions: [read], datasets: [orders], row_filter: "customer_id = {{ principal.customer_id }}" }
              admin:
                admin: true
            principals:
              root: { roles: [admin] }
              alice: { roles: [analyst] }
              m42: { kind: service, roles: [merchant], attributes: { customer_id: 5 } }
            """);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}
