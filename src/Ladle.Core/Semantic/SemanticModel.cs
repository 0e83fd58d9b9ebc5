using Ladle.Core.Errors;
using Ladle.Core.Model;

namespace Ladle.Core.Semantic;

/// <summary>A dataset described for metrics: its entities (keys), dimensions and measures.</summary>
public sealed record SemanticModel
{
    public required string Name { get; init; }
    public required DatasetDefinition Dataset { get; init; }
    public string? Description { get; init; }

    /// <summary>Who answers for its metrics; the dataset's owner unless set.</summary>
    public string? Owner { get; init; }

    public IReadOnlyList<EntityDefinition> Entities { get; init; } = [];
    public IReadOnlyList<DimensionDefinition> Dimensions { get; init; } = [];
    public IReadOnlyList<MeasureDefinition> Measures { get; init; } = [];

    /// <summary>The time dimension metrics of this model are bucketed by unless a query names another.</summary>
    public string? DefaultTime { get; init; }

    public IReadOnlyList<JoinChoice> Joins { get; init; } = [];
    public IReadOnlyList<RollupDefinition> Rollups { get; init; } = [];

    public required string File { get; init; }
    public required SourceLocation Location { get; init; }

    public DimensionDefinition? FindDimension(string name) =>
        Dimensions.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    public EntityDefinition? FindEntity(string name) =>
        Entities.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The key other models join to (its primary entity), if it has one.</summary>
    public EntityDefinition? Primary => Entities.FirstOrDefault(e => e.Type == EntityType.Primary);
}
