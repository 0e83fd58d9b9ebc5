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

    /// <summary>
    /// When the garment factory's sensor readings end (exclusive, UTC, rounded up to their 15-minute slot); its quarter
    /// of readings and fabric batches lead up to it. Null: the demo's fixed anchor, like the rest of the data.
    /// <c>ladle demo</c> sets it to when it runs, so online lookups of the factory's features (TTL 6 h) answer values
    /// rather than outside_ttl.
    /// </summary>
    public DateTime? FactoryEnd { get; init; }
}
