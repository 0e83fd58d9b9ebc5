namespace Ladle.Cli.Demo.Internal;

/// <summary>Row counts derived from <see cref="DemoOptions"/>, in one place so the generator and its tests agree.</summary>
internal sealed record DemoSizes
{
    public required int Orders { get; init; }
    public required int Customers { get; init; }
    public required int Products { get; init; }
    public required int Merchants { get; init; }
    public required int Households { get; init; }
    /// <summary>Climate sensors, spread evenly over the factory's three warehouses.</summary>
    public required int Sensors { get; init; }
    public required int FabricBatches { get; init; }

    /// <summary>Hourly readings per thermostat: one per hour over the reading window, none missing.</summary>
    public static int ReadingsPerDevice => DemoCalendar.ReadingDays * 24;

    /// <summary>Readings per sensor: one every 15 minutes over the factory window.</summary>
    public static int ReadingsPerSensor => DemoCalendar.FactoryDays * 24 * 4;

    public static DemoSizes For(DemoOptions options)
    {
        if (options.Orders is < DemoOptions.MinOrders or > DemoOptions.MaxOrders)
            throw new ArgumentOutOfRangeException(nameof(options), options.Orders,
                $"the demo generates between {DemoOptions.MinOrders:N0} and {DemoOptions.MaxOrders:N0} orders; pick a number in that range");
        var scale = options.Orders / 1_000_000.0;
        return new DemoSizes
        {
            Orders = options.Orders,
            // About 17 orders per customer over two years at full size, heavily skewed.
            Customers = Math.Max(500, (int)Math.Round(60_000 * scale)),
            Products = 2_000,
            Merchants = 200,
            Households = Math.Max(20, (int)Math.Round(500 * scale)),
            Sensors = 12,
            FabricBatches = 5_000,
        };
    }
}
