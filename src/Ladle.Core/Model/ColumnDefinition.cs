using Ladle.Core.Errors;

namespace Ladle.Core.Model;

/// <summary>A declared column of a dataset: its contract type, meaning and sensitivity.</summary>
public sealed record ColumnDefinition
{
    public required string Name { get; init; }
    public required LadleType Type { get; init; }
    public string? Description { get; init; }

    /// <summary>Personally identifiable: masked for principals without PII clearance.</summary>
    public bool Pii { get; init; }

    public required SourceLocation Location { get; init; }
}
