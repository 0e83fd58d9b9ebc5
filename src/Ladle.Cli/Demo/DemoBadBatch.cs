using DuckDB.NET.Data;

namespace Ladle.Cli.Demo;

/// <summary>
/// A late batch of orders that repeats 1,000 order ids already delivered — the double delivery every lake sees
/// sooner or later. `ladle demo --inject-bad-batch` drops it beside the nightly file to show a quarantine.
/// </summary>
public static class DemoBadBatch
{
    public const string FileName = "orders-late-batch.parquet";

    public static string PathIn(string directory) => Path.Combine(directory, "data", "shop", FileName);

    public static void Write(string directory)
    {
        var nightly = Path.Combine(directory, "data", "shop", "orders.parquet");
        using var duck = new DuckDBConnection("Data Source=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        command.CommandText = $"COPY (SELECT * FROM read_parquet('{nightly.Replace("'", "''", StringComparison.Ordinal)}') ORDER BY order_id DESC LIMIT 1000) " +
                              $"TO '{PathIn(directory).Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)";
        command.ExecuteNonQuery();
    }

    /// <summary>Removes a late batch left by an earlier run; the folder may not hold a demo yet (or not exist).</summary>
    public static void Remove(string directory)
    {
        var path = PathIn(directory);
        if (File.Exists(path)) File.Delete(path);
    }
}
