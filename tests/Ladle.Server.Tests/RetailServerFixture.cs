using System.Globalization;
using System.Text;

namespace Ladle.Server.Tests;

/// <summary>
/// A small retail project served over loopback: orders (table, files), customers with PII (table),
/// a live view over the orders CSV, a live Postgres dataset whose server is down, and one never published.
/// </summary>
public sealed class RetailServerFixture : IAsyncLifetime
{
    public const int Orders = 2_345;

    public LoopbackServer Server { get; private set; } = null!;
    public HttpClient Http => Server.Http;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("LADLE_TEST_DOWN_PG", "Host=127.0.0.1;Port=1;Username=x;Timeout=2");
        Server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", """
                name: retail
                sources:
                  files:
                    kind: files
                    path: data
                  down:
                    kind: postgres
                    connection_env: LADLE_TEST_DOWN_PG
                """);
            var csv = new StringBuilder("order_id,customer_id,region,status,amount,ordered_at,note\n");
            for (var i = 1; i <= Orders; i++)
            {
                var note = i % 7 == 0 ? "\"has, comma and \"\"quote\"\"\"" : i % 11 == 0 ? "" : "plain";
                csv.Append(CultureInfo.InvariantCulture, $"{i},{i % 100},{(i % 3 == 0 ? "EU" : i % 3 == 1 ? "US" : "APAC")},{(i % 10 == 0 ? "returned" : "completed")},{i % 500}.{i % 100:00},2026-0{1 + i % 9}-{1 + i % 28:00} {i % 24:00}:15:00,{note}\n");
            }
            LoopbackServer.File(root, "data/orders.csv", csv.ToString());
            LoopbackServer.File(root, "data/customers.csv", "customer_id,email,name\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"{i},c{i}@example.com,Customer {i}\n")));
            LoopbackServer.File(root, "datasets/orders.yaml", """
                name: orders
                domain: retail
                owner: retail-data@example.com
                description: One row per order.
                source: files
                table: orders.csv
                primary_key: [order_id]
                columns:
                  - name: order_id
                    type: integer
                    description: Order number.
                  - name: customer_id
                    type: integer
                  - name: region
                    type: string
                  - name: status
                    type: string
                  - name: amount
                    type: decimal
                  - name: ordered_at
                    type: timestamp
                  - name: note
                    type: string
                """);
            LoopbackServer.File(root, "datasets/customers.yaml", """
                name: customers
                domain: crm
                owner: crm@example.com
                description: Customers.
                source: files
                table: customers.csv
                primary_key: [customer_id]
                columns:
                  - name: customer_id
                    type: integer
                  - name: email
                    type: string
                    pii: true
                  - name: name
                    type: string
                    pii: true
                """);
            LoopbackServer.File(root, "datasets/revenue_by_region.yaml", """
                name: revenue_by_region
                domain: retail
                description: Revenue per region, from orders.
                sql: select region, sum(amount) as revenue, count(*) as orders from orders group by region
                """);
            LoopbackServer.File(root, "datasets/orders_live.yaml", "name: orders_live\nsource: files\ntable: orders.csv\nmaterialization: live\n");
            LoopbackServer.File(root, "datasets/warehouse_orders.yaml", "name: warehouse_orders\nsource: down\ntable: orders\nmaterialization: live\ncolumns:\n  - name: id\n    type: integer\n");
            LoopbackServer.File(root, "datasets/broken_never_published.yaml", "name: broken_never_published\nsource: files\ntable: nothing-here-*.csv\ncolumns:\n  - name: id\n    type: integer\n");
        });
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
