using Ladle.Core.Errors;
using Ladle.Core.Model;

namespace Ladle.Core.Features;

/// <summary>
/// ML features over one dataset: keyed by entity columns, placed in time by an event timestamp (and, when the
/// dataset says when each row became known, a created timestamp), valid for <see cref="Ttl"/> after their event.
/// Served point in time for training sets and latest for online lookups, with one definition (<see cref="PointInTime"/>).
/// </summary>
public sealed record FeatureView
{
    public required string Name { get; init; }
    public required DatasetDefinition Dataset { get; init; }

    /// <summary>The entity key: columns of the dataset, in order; an entity row carries columns of the same names.</summary>
    public required IReadOnlyList<string> Entities { get; init; }

    /// <summary>When the fact a row states was true.</summary>
    public required string EventTimestamp { get; init; }

    /// <summary>When the row became known (a late row has created after event); null: known at its event time.</summary>
    public string? CreatedTimestamp { get; init; }

    /// <summary>How long after its event a row still answers; null: forever.</summary>
    public TimeSpan? Ttl { get; init; }

    public required IReadOnlyList<FeatureDefinition> Features { get; init; }
    public string? Description { get; init; }
    public string? Owner { get; init; }
    public required string File { get; init; }
    public required SourceLocation Location { get; init; }

    public FeatureDefinition? Find(string feature) =>
        Features.FirstOrDefault(f => string.Equals(f.Name, feature, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One feature of a view: a column of its dataset, or an expression over its columns (the owner's SQL, checked at load).</summary>
public sealed record FeatureDefinition
{
    public required string Name { get; init; }

    /// <summary>The column read as it is, or null when <see cref="Sql"/> computes it.</summary>
    public string? Column { get; init; }

    /// <summary>A row-level expression over the dataset's columns.</summary>
    public string? Sql { get; init; }

    /// <summary>The dataset columns the feature reads (its column, or those its expression names).</summary>
    public required IReadOnlyList<string> Reads { get; init; }

    public required LadleType Type { get; init; }
    public string? Description { get; init; }
    public required SourceLocation Location { get; init; }

    /// <summary>
    /// Null: a row feature (the winning row's value). Otherwise a windowed aggregate of <see cref="Column"/> or
    /// <see cref="Sql"/> (for count, possibly neither: rows) over the entity's rows known at t with event in (t − window, t].
    /// </summary>
    public FeatureAggregate? Aggregate { get; init; }
}

/// <summary>The aggregate functions a windowed feature may use.</summary>
public enum AggregateFunction : byte
{
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

/// <summary>A windowed aggregate: <see cref="Function"/> over the trailing <see cref="Window"/> ending at each row's time.</summary>
public sealed record FeatureAggregate(AggregateFunction Function, TimeSpan Window)
{
    /// <summary>The function as YAML and SQL spell it.</summary>
    public string FunctionName => Function.ToString().ToLowerInvariant();
}

/// <summary>A named list of features one model uses, possibly from several views.</summary>
public sealed record FeatureService
{
    public required string Name { get; init; }
    public required IReadOnlyList<FeatureRef> Features { get; init; }
    public string? Description { get; init; }
    public string? Owner { get; init; }
    public required string File { get; init; }
    public required SourceLocation Location { get; init; }
}

/// <summary>One feature of one view, as a service or a request names it (<c>view.feature</c>).</summary>
public sealed record FeatureRef(FeatureView View, FeatureDefinition Feature)
{
    public string FullName => View.Name + "." + Feature.Name;
}
