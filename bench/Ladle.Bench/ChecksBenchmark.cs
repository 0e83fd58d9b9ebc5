using System.Globalization;
using Ladle.Engine.Checks;
using Ladle.Engine.State;
using Ladle.Engine.Store;

namespace Ladle.Bench;

/// <summary>
/// Runs every check of the demo's orders (1M rows) through Ladle, and the same checks written by hand as one
/// DuckDB statement each, in the same run; prints both times and the ratio.
/// </summary>
internal static class ChecksBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        await using var engine = await BenchProject.PrepareAsync("checks", orders, ["orders"]);
        var dataset = engine.GetDataset("orders");
        var served = engine.Catalog.Current("orders")!;
        var table = DuckDbStore.VersionTable("orders", served.Version);
        var customers = DuckDbStore.VersionTable("customers", engine.Catalog.Current("customers")!.Version);
        var target = new CheckTarget(engine.StoreConnector, table, served.Version, served.PublishedAt);
        Console.WriteLine($"orders: {dataset.Checks.Count} checks: {string.Join(", ", dataset.Checks.Select(c => c.Name))}");

        IReadOnlyList<CheckResult> results = [];
        var ladle = await BenchProject.BestOfAsync(repeats, async () => results = await engine.Checks.RunAsync(dataset, target, CancellationToken.None));
        foreach (var r in results) Console.WriteLine($"  {r.Check,-34} {r.Outcome,-8} {r.Message}");

        // The same rules as a data engineer would write them by hand.
        string[] byHand =
        [
            $"SELECT count(*) FROM (SELECT order_id FROM {table} GROUP BY order_id HAVING count(*) > 1)",
            $"SELECT count(*) FROM {table} WHERE customer_id IS NULL",
            $"SELECT count(*) FROM {table} WHERE status NOT IN ('completed', 'cancelled', 'returned', 'pending')",
            $"SELECT count(*) FROM {table} WHERE channel NOT IN ('web', 'app', 'marketplace_api')",
            $"SELECT count(*) FROM {table} WHERE amount < 0 OR amount > 100000",
            $"SELECT count(*) FROM {table} WHERE quantity < 1 OR quantity > 100",
            $"SELECT count(*) FROM {table} o WHERE NOT EXISTS (SELECT 1 FROM {customers} c WHERE c.customer_id = o.customer_id)",
            $"SELECT count(*) FROM {table}",
            $"SELECT avg(amount) FROM {table}",
        ];
        var duck = await BenchProject.BestOfAsync(repeats, () =>
        {
            using var connection = engine.Store.Open();
            foreach (var sql in byHand)
            {
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                command.ExecuteScalar();
            }
            return Task.CompletedTask;
        });
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Ladle checks: {ladle.TotalMilliseconds:F0} ms   hand-written DuckDB SQL: {duck.TotalMilliseconds:F0} ms   ratio {ladle.TotalMilliseconds / duck.TotalMilliseconds:F2}x (goal ≤ 1.30x)"));
        return 0;
    }
}
