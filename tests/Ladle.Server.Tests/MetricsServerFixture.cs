using System.Globalization;
using System.Text;

namespace Ladle.Server.Tests;

/// <summary>A shop with orders and customers and a semantic model over them, served over loopback.</summary>
public sealed class MetricsServerFixture : IAsyncLifetime
{
    public LoopbackServer Server { get; private set; } = null!;
    public HttpClient Http => Server.Http;

    public async Task InitializeAsync()
    {
        Server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: shop\nsources:\n  files:\n    kind: files\n    path: data\n");
            var orders = new StringBuilder("order_id,customer_id,region,status,amount,ordered_at\n");
            for (var i = 1; i <= 3000; i++)
                orders.Append(CultureInfo.InvariantCulture,
                    $"{i},{i % 120},{(i % 3 == 0 ? "EU" : i % 3 == 1 ? "US" : "APAC")},{(i % 9 == 0 ? "cancelled" : "completed")},{i % 400}.25,2026-{1 + i % 6:00}-{1 + i % 27:00} {i % 24:00}:10:00\n");
            LoopbackServer.File(root, "data/orders.csv", orders.ToString());
            LoopbackServer.File(root, "data/customers.csv", "customer_id,segment\n" + string.Concat(Enumerable.Range(0, 120).Select(i => $"{i},{(i % 4 == 0 ? "vip" : "regular")}\n")));
            LoopbackServer.File(root, "datasets/orders.yaml", """
                name: orders
                owner: shop@example.com
                source: files
                table: orders*.csv
                columns:
                  - { name: order_id, type: integer }
                  - { name: customer_id, type: integer }
                  - { name: region, type: string }
                  - { name: status, type: string }
                  - { name: amount, type: decimal }
                  - { name: ordered_at, type: timestamp }
                """);
            LoopbackServer.File(root, "datasets/customers.yaml", "name: customers\nsource: files\ntable: customers.csv\ncolumns:\n  - { name: customer_id, type: integer }\n  - { name: segment, type: string }\n");
            LoopbackServer.File(root, "models/orders.yaml", """
                dataset: orders
                entities:
                  - { name: order, type: primary }
                  - { name: customer, type: foreign }
                dimensions:
                  - { name: region }
                  - { name: status }
                  - { name: ordered_at, type: time, zone: Europe/Berlin }
                measures:
                  - { name: revenue, agg: sum, column: amount, filter: "status = 'completed'" }
                  - { name: order_count, agg: count }
                rollups:
                  - { name: daily, measures: [revenue, order_count], dimensions: [region, status], time: { dimension: ordered_at, granularity: day } }
                metrics:
                  - { name: revenue, measure: revenue, description: Completed order amounts in EUR. }
                  - { name: orders, measure: order_count }
                  - { name: aov, type: ratio, numerator: revenue, denominator: order_count, description: Average order value. }
                """);
            LoopbackServer.File(root, "models/customers.yaml", """
                dataset: customers
                entities:
                  - { name: customer, type: primary }
                dimensions:
                  - { name: segment }
                measures:
                  - { name: customer_count, agg: count }
                metrics:
                  - { name: customers, measure: customer_count }
                """);
            LoopbackServer.File(root, "dashboards/shop.yaml", """
                title: Shop
                range: 2026-05
                zone: Europe/Berlin
                filters:
                  - { dimension: region, label: Region }
                tiles:
                  - { id: revenue, kind: kpi, metric: revenue }
                  - { id: trend, kind: line, metrics: [revenue, orders], granularity: month, range: 2026-01..2026-07 }
                  - { id: regions, kind: bar, metric: orders, by: region }
                """);
        });
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
