namespace Ladle.Cli.Demo;

/// <summary>How much demo data to generate; the same options always produce the same data.</summary>
public sealed record DemoOptions
{
    /// <summary>The smallest order count accepted: below it the distributions stop looking like anything.</summary>
    public const int MinOrders = 1_000;

    /// <summary>The largest order count accepted, to keep generation within memory on a laptop.</summary>
    public const int MaxOrders = 50_000_000;

    /// <summary>
    /// Orders to generate. Customers and the thermostat fleet scale with it; the catalog, the
    /// merchants and the factory have a fixed size.
    /// </summary>
    public int Orders { get; init; } = 1_000_000;

    /// <summary>Seed of every random stream; change it to get a different but equally deterministic demo.</summary>
    public int Seed { get; init; } = 20261101;
}
