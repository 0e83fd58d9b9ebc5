using Ladle.Core.Errors;

namespace Ladle.Core.Semantic;

/// <summary>
/// A pre-aggregation of one model: measures by some of its own dimensions at a time grain, built when the
/// model's dataset publishes and used automatically by the queries it can answer exactly.
/// </summary>
public sealed record RollupDefinition
{
    public required string Name { get; init; }
    public required string Model { get; init; }
    public required IReadOnlyList<string> Measures { get; init; }
    public required IReadOnlyList<string> Dimensions { get; init; }

    /// <summary>The time dimension and grain of its buckets; null for a rollup without time.</summary>
    public string? TimeDimension { get; init; }
    public TimeGrain? Grain { get; init; }

    /// <summary>The zone its buckets are cut in.</summary>
    public string Zone { get; init; } = "UTC";

    /// <summary>A short hash of the definition: a changed rollup is never read from a table built for the old one.</summary>
    public required string Hash { get; init; }

    public required SourceLocation Location { get; init; }
}
