using Ladle.Core.Errors;
using Ladle.Core.Model;

namespace Ladle.Core.Semantic;

/// <summary>What a dimension describes, which decides how it is typed and bucketed.</summary>
public enum DimensionKind : byte
{
    Categorical,
    Boolean,
    Number,
    Time,
}

/// <summary>An attribute metrics can be grouped and filtered by: a column of the model's dataset or an expression over them.</summary>
public sealed record DimensionDefinition
{
    public required string Name { get; init; }

    /// <summary>The model that defines it.</summary>
    public required string Model { get; init; }

    public required DimensionKind Kind { get; init; }

    /// <summary>The column it reads, as the dataset spells it; null when <see cref="Sql"/> is set.</summary>
    public string? Column { get; init; }

    /// <summary>An SQL expression over the dataset's columns, validated at load.</summary>
    public string? Sql { get; init; }

    /// <summary>The type of its values.</summary>
    public required LadleType Type { get; init; }

    /// <summary>Time dimensions: the grains it may be bucketed into.</summary>
    public IReadOnlyList<TimeGrain> Granularities { get; init; } = [];

    /// <summary>Time dimensions: the IANA zone buckets use when the query names none.</summary>
    public string Zone { get; init; } = "UTC";

    public string? Description { get; init; }

    public required SourceLocation Location { get; init; }
}
