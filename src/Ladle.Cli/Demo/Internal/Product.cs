namespace Ladle.Cli.Demo.Internal;

/// <summary>A product of the demo catalog; <see cref="Popularity"/> drives how often it is ordered.</summary>
internal sealed record Product(int Id, string Sku, string Name, int Category, string Brand, decimal UnitPrice, double Popularity);
