using System.Globalization;
using System.Text;

namespace Ladle.Engine.Tests.Semantic;

/// <summary>
/// Demo-like retail data, generated deterministically as CSV: customers, orders (one row each), order lines (one
/// to four per order: the fan-out trap) and returns, over two years that cross every daylight-saving change.
/// </summary>
internal static class RetailData
{
    public static readonly string[] Regions = ["europe", "north_america", "asia_pacific", "latin_america"];
    public const int Customers = 300;
    public const int Orders = 6000;

    public static void Write(TestProject project)
    {
        var inv = CultureInfo.InvariantCulture;
        var random = new Random(42);
        var customers = new StringBuilder("customer_id,region,signed_up_at\n");
        for (var c = 1; c <= Customers; c++)
            customers.Append(inv, $"{c},{Regions[c % Regions.Length]},2024-{1 + c % 12:00}-{1 + c % 28:00} 10:00:00\n");
        project.Write("data/customers.csv", customers.ToString());

        var orders = new StringBuilder("order_id,customer_id,region,channel,status,quantity,amount,ordered_at\n");
        var lines = new StringBuilder("line_id,order_id,sku,quantity,line_amount\n");
        var returns = new StringBuilder("return_id,order_id,customer_id,refund_amount,returned_at\n");
        var start = new DateTime(2025, 1, 1, 0, 0, 0);
        var span = (new DateTime(2026, 11, 1) - start).TotalMinutes;
        int line = 0, ret = 0;
        for (var o = 1; o <= Orders; o++)
        {
            var customer = 1 + random.Next(Customers);
            // Orders spread over every hour, so DST nights and month edges all have rows.
            var at = start.AddMinutes(Math.Floor(span * o / Orders) + random.Next(0, 50));
            var status = random.Next(10) switch { 0 => "cancelled", 1 => "returned", _ => "completed" };
            var amount = Math.Round((decimal)(5 + random.NextDouble() * 250), 2);
            var quantity = 1 + random.Next(5);
            var region = Regions[random.Next(Regions.Length)];
            var channel = random.Next(3) switch { 0 => "web", 1 => "app", _ => "marketplace" };
            orders.Append(inv, $"{o},{customer},{region},{channel},{status},{quantity},{amount},{at:yyyy-MM-dd HH:mm:ss}\n");
            var lineCount = 1 + random.Next(4);
            for (var l = 0; l < lineCount; l++)
            {
                line++;
                lines.Append(inv, $"{line},{o},sku-{random.Next(50)},{1 + random.Next(3)},{Math.Round(amount / lineCount, 2)}\n");
            }
            if (status == "returned")
            {
                ret++;
                returns.Append(inv, $"{ret},{o},{customer},{Math.Round(amount * 0.9m, 2)},{at.AddDays(3 + random.Next(20)):yyyy-MM-dd HH:mm:ss}\n");
            }
        }
        project.Write("data/orders.csv", orders.ToString());
        project.Write("data/order_lines.csv", lines.ToString());
        project.Write("data/returns.csv", returns.ToString());

        project.Dataset("customers", """
            source: files
            table: customers.csv
            primary_key: [customer_id]
            columns:
              - { name: customer_id, type: integer }
              - { name: region, type: string }
              - { name: signed_up_at, type: timestamp }
            """);
        project.Dataset("orders", """
            source: files
            table: orders*.csv
            primary_key: [order_id]
            owner: shop@example.com
            columns:
              - { name: order_id, type: integer }
              - { name: customer_id, type: integer }
              - { name: region, type: string }
              - { name: channel, type: string }
              - { name: status, type: string }
              - { name: quantity, type: integer }
              - { name: amount, type: decimal }
              - { name: ordered_at, type: timestamp }
            """);
        project.Dataset("order_lines", """
            source: files
            table: order_lines.csv
            primary_key: [line_id]
            columns:
              - { name: line_id, type: integer }
              - { name: order_id, type: integer }
              - { name: sku, type: string }
              - { name: quantity, type: integer }
              - { name: line_amount, type: decimal }
            """);
        project.Dataset("returns", """
            source: files
            table: returns.csv
            primary_key: [return_id]
            columns:
              - { name: return_id, type: integer }
              - { name: order_id, type: integer }
              - { name: customer_id, type: integer }
              - { name: refund_amount, type: decimal }
              - { name: returned_at, type: timestamp }
            """);
        project.Write("models/customers.yaml", """
            dataset: customers
            entities:
              - { name: customer, type: primary }
            dimensions:
              - { name: region }
              - { name: signed_up_at, type: time }
            measures:
              - { name: customer_count, agg: count }
            """);
        project.Write("models/orders.yaml", """
            dataset: orders
            description: Orders placed in the shop.
            default_time: ordered_at
            entities:
              - { name: order, type: primary }
              - { name: customer, type: foreign }
            dimensions:
              - { name: region }
              - { name: channel }
              - { name: status }
              - { name: ordered_at, type: time }
              - { name: big_order, type: boolean, sql: "amount >= 100" }
            measures:
              - { name: revenue, agg: sum, column: amount, filter: "status = 'completed'" }
              - { name: order_count, agg: count }
              - { name: completed_orders, agg: count, filter: "status = 'completed'" }
              - { name: buyers, agg: count_distinct, column: customer_id }
              - { name: avg_amount, agg: avg, column: amount }
              - { name: median_amount, agg: median, column: amount }
              - { name: p90_amount, agg: percentile, column: amount, percentile: 0.9 }
              - { name: max_amount, agg: max, column: amount }
            rollups:
              - name: daily
                measures: [revenue, order_count, completed_orders, avg_amount, max_amount]
                dimensions: [region, status, channel]
                time: { dimension: ordered_at, granularity: day }
              - name: monthly_buyers
                measures: [buyers]
                dimensions: [region]
                time: { dimension: ordered_at, granularity: month }
            metrics:
              - { name: revenue, type: simple, measure: revenue, description: Completed order amounts. }
              - { name: orders, type: simple, measure: order_count }
              - { name: aov, type: ratio, numerator: revenue, denominator: completed_orders, description: Average order value. }
              - name: revenue_growth
                type: derived
                expr: (revenue - revenue_prev) / revenue_prev
                inputs:
                  - revenue
                  - { metric: revenue, offset: 1 month, alias: revenue_prev }
              - { name: revenue_7d, type: cumulative, measure: revenue, window: 7 days }
              - { name: revenue_mtd, type: cumulative, measure: revenue, grain_to_date: month }
              - { name: revenue_running, type: cumulative, measure: revenue }
            """);
        project.Write("models/order_lines.yaml", """
            dataset: order_lines
            entities:
              - { name: line, type: primary }
              - { name: order, type: foreign }
            dimensions:
              - { name: sku }
            measures:
              - { name: units, agg: sum, column: quantity }
              - { name: line_count, agg: count }
            """);
        project.Write("models/returns.yaml", """
            dataset: returns
            default_time: returned_at
            entities:
              - { name: return, type: primary }
              - { name: order, type: foreign }
              - { name: customer, type: foreign }
            joins:
              - { to: customers, via: customer }
            dimensions:
              - { name: returned_at, type: time }
            measures:
              - { name: refunds, agg: sum, column: refund_amount }
              - { name: return_count, agg: count }
            metrics:
              - { name: return_rate, type: ratio, numerator: return_count, denominator: orders }
              - { name: refund_share, type: derived, expr: refunds / revenue }
            """);
    }
}
