using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// The retail and marketplace half of the demo: catalog, customers, orders, returns, model scores
/// and stock, written to Parquet, NDJSON and two SQLite databases.
/// </summary>
internal static class RetailGenerator
{
    public static void Generate(DemoOutput output, DemoSizes sizes, int seed, CancellationToken ct)
    {
        // One random stream per table, so changing how one table is drawn leaves the others as they were.
        var catalog = Catalog.Generate(sizes, new Random(seed + 1));
        var customers = CustomerGenerator.Generate(sizes.Customers, new Random(seed + 2));
        var orders = new OrderGenerator(catalog, customers, new Random(seed + 3));

        using (var duck = new ScratchDuckDb())
        {
            duck.Execute(OrderGenerator.CreateTable);
            using (var appender = duck.CreateAppender("orders"))
                orders.Generate(appender, sizes.Orders, ct);
            duck.CopyToParquet("SELECT * FROM orders", output.PathFor(DemoPaths.Orders));
            output.Report("orders", DemoPaths.Orders, sizes.Orders);
            duck.Execute("DROP TABLE orders");

            ct.ThrowIfCancellationRequested();
            WriteReturns(duck, orders.Returns, output);

            ct.ThrowIfCancellationRequested();
            var scores = ScoringModel.Score(customers, orders.Activity, new Random(seed + 4));
            WriteScores(duck, scores, output);
        }

        ct.ThrowIfCancellationRequested();
        WriteProducts(catalog, orders.ProductLastSoldAt, output);

        using (var crm = new SqliteWriter(output.PathFor(DemoPaths.Crm)))
        {
            var rows = crm.WriteTable("""
                CREATE TABLE customers (
                    customer_id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
                    email TEXT NOT NULL UNIQUE, phone TEXT, city TEXT, country TEXT, region TEXT,
                    marketing_opt_in BOOLEAN NOT NULL, signed_up_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)
                """, "customers",
                ["customer_id", "first_name", "last_name", "email", "phone", "city", "country", "region", "marketing_opt_in", "signed_up_at", "updated_at"],
                customers,
                c => [c.Id, c.FirstName, c.LastName, c.Email, c.Phone, c.City, c.Country.Code, c.Country.Region, c.MarketingOptIn, c.SignedUpAt, c.UpdatedAt],
                ct);
            output.Report("customers", DemoPaths.Crm, rows);
        }

        var stock = InventoryGenerator.Generate(catalog, orders.ListingUnitsLast30Days, orders.ProductLastSoldAt, new Random(seed + 5));
        using (var marketplace = new SqliteWriter(output.PathFor(DemoPaths.Marketplace)))
        {
            var merchants = marketplace.WriteTable("""
                CREATE TABLE merchants (
                    merchant_id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT, region TEXT, category TEXT,
                    tier TEXT NOT NULL, commission_pct REAL NOT NULL, joined_at TIMESTAMP NOT NULL)
                """, "merchants",
                ["merchant_id", "name", "country", "region", "category", "tier", "commission_pct", "joined_at"],
                catalog.Merchants,
                m => [m.Id, m.Name, m.Country.Code, m.Country.Region, Category.All[m.Category].Name, m.Tier, m.CommissionPct, m.JoinedAt],
                ct);
            output.Report("merchants", DemoPaths.Marketplace, merchants);
            var inventory = marketplace.WriteTable("""
                CREATE TABLE inventory (
                    merchant_id INTEGER NOT NULL REFERENCES merchants (merchant_id), product_id INTEGER NOT NULL,
                    on_hand INTEGER NOT NULL, reorder_point INTEGER NOT NULL, updated_at TIMESTAMP NOT NULL,
                    PRIMARY KEY (merchant_id, product_id))
                """, "inventory",
                ["merchant_id", "product_id", "on_hand", "reorder_point", "updated_at"],
                stock,
                s => [s.MerchantId, s.ProductId, s.OnHand, s.ReorderPoint, s.UpdatedAt],
                ct);
            output.Report("inventory", DemoPaths.Marketplace, inventory);
        }
    }

    private static void WriteReturns(ScratchDuckDb duck, List<ReturnRecord> returns, DemoOutput output)
    {
        duck.Execute("""
            CREATE TABLE returns (
                return_id BIGINT, order_id BIGINT, customer_id INTEGER, merchant_id INTEGER, reason VARCHAR,
                refund_amount DECIMAL(12, 2), returned_at TIMESTAMP)
            """);
        // Returns are numbered in the order they arrive, as the returns desk would.
        var ordered = returns.OrderBy(r => r.ReturnedAt).ThenBy(r => r.OrderId).ToList();
        using (var appender = duck.CreateAppender("returns"))
        {
            long id = 0;
            foreach (var r in ordered)
            {
                appender.CreateRow()
                    .AppendValue(++id).AppendValue(r.OrderId).AppendValue(r.CustomerId).AppendValue(r.MerchantId)
                    .AppendValue(r.Reason).AppendValue(r.RefundAmount).AppendValue(r.ReturnedAt)
                    .EndRow();
            }
        }
        duck.CopyToParquet("SELECT * FROM returns", output.PathFor(DemoPaths.Returns));
        output.Report("returns", DemoPaths.Returns, ordered.Count);
    }

    private static void WriteScores(ScratchDuckDb duck, CustomerScore[] scores, DemoOutput output)
    {
        duck.Execute("""
            CREATE TABLE customer_scores (
                customer_id INTEGER, churn_probability DOUBLE, lead_score INTEGER, segment VARCHAR, vip BOOLEAN,
                model_version VARCHAR, scored_at TIMESTAMP)
            """);
        using (var appender = duck.CreateAppender("customer_scores"))
        {
            foreach (var s in scores)
            {
                appender.CreateRow()
                    .AppendValue(s.CustomerId).AppendValue(s.ChurnProbability).AppendValue(s.LeadScore).AppendValue(s.Segment)
                    .AppendValue(s.Vip).AppendValue(ScoringModel.ModelVersion).AppendValue(ScoringModel.ScoredAt)
                    .EndRow();
            }
        }
        duck.CopyToParquet("SELECT * FROM customer_scores", output.PathFor(DemoPaths.CustomerScores));
        output.Report("customer_scores", DemoPaths.CustomerScores, scores.Length);
    }

    /// <summary>One JSON object per line; a product unsold for 90 days is no longer active.</summary>
    private static void WriteProducts(Catalog catalog, DateTime[] lastSoldAt, DemoOutput output)
    {
        var activeSince = DemoCalendar.Anchor.AddDays(-90);
        using var stream = new FileStream(output.PathFor(DemoPaths.Products), FileMode.Create, FileAccess.Write);
        // Relaxed escaping keeps '&' in brand names readable; the output is still valid JSON.
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var p in catalog.Products)
        {
            writer.WriteStartObject();
            writer.WriteNumber("product_id", p.Id);
            writer.WriteString("sku", p.Sku);
            writer.WriteString("name", p.Name);
            writer.WriteString("category", Category.All[p.Category].Name);
            writer.WriteString("brand", p.Brand);
            writer.WriteNumber("unit_price", p.UnitPrice);
            writer.WriteBoolean("active", lastSoldAt[p.Id - 1] >= activeSince);
            writer.WriteEndObject();
            writer.Flush();
            stream.WriteByte((byte)'\n');
            writer.Reset();
        }
        output.Report("products", DemoPaths.Products, catalog.Products.Length);
    }
}
