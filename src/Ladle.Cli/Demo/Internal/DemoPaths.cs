namespace Ladle.Cli.Demo.Internal;

/// <summary>Where each generated file goes, relative to the project folder; must agree with samples/demo's YAML.</summary>
internal static class DemoPaths
{
    public const string Orders = "data/shop/orders.parquet";
    public const string Returns = "data/shop/returns.parquet";
    public const string Products = "data/catalog/products.ndjson";
    public const string CustomerScores = "data/ml/customer_scores.parquet";
    public const string Crm = "data/crm.sqlite";
    public const string Marketplace = "data/marketplace.sqlite";
    public const string Households = "data/thermostats/households.csv";
    public const string Devices = "data/thermostats/devices.csv";
    public const string ReadingsFolder = "data/thermostats/readings";
    public const string ReadingsGlob = "data/thermostats/readings/readings-*.csv";
    public const string WarehouseClimate = "data/factory/warehouse_climate.parquet";
    public const string FabricBatches = "data/factory/fabric_batches.csv";

    /// <summary>One file per day of readings, named by the day the readings' hours belong to.</summary>
    public static string ReadingsFile(DateOnly day) => $"{ReadingsFolder}/readings-{day:yyyy-MM-dd}.csv";

    /// <summary>Every single file the generator owns, so a re-run can clear them first.</summary>
    public static readonly string[] Files =
        [Orders, Returns, Products, CustomerScores, Crm, Marketplace, Households, Devices, WarehouseClimate, FabricBatches];
}
