using Ladle.Core.Model;

namespace Ladle.Core.Semantic;

/// <summary>
/// A dimension (or entity key) as a query names it, resolved from one model with measures: which model holds it,
/// through which join path, under which prefix.
/// </summary>
public sealed record DimensionRef(string Name, string Prefix, JoinPath Path, DimensionDefinition? Dimension, EntityDefinition? Entity)
{
    /// <summary>
    /// What the name means independently of the model it was resolved from: two models' measures can be put side
    /// by side on a dimension only when it means the same thing for both.
    /// </summary>
    public string Identity => Dimension is not null
        ? $"{Prefix}.{Dimension.Name}".ToLowerInvariant()
        : $"entity:{Entity!.Refers}".ToLowerInvariant();

    /// <summary>The type of its values.</summary>
    public LadleType Type => Dimension?.Type ?? Path.Target.Dataset.FindColumn(Entity!.Columns[0])!.Type;

    public bool IsTime => Dimension?.Kind == DimensionKind.Time;

    /// <summary>The dataset column it reads, when it is a plain column (null for SQL expressions).</summary>
    public string? Column => Dimension is not null ? Dimension.Column : Entity!.Columns[0];
}
