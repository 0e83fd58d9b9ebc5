namespace Ladle.Cli.Demo.Internal;

/// <summary>A marketplace merchant; it cannot sell anything before <see cref="JoinedAt"/>.</summary>
internal sealed record Merchant(int Id, string Name, Country Country, int Category, string Tier, double CommissionPct, DateTime JoinedAt, double Size);
