using Ladle.Core.Errors;

namespace Ladle.Core.Semantic;

/// <summary>How an entity's key identifies rows of its model.</summary>
public enum EntityType : byte
{
    /// <summary>One row per key: other models join to this one through it.</summary>
    Primary,

    /// <summary>At most one row per key (like primary, for a second identifier).</summary>
    Unique,

    /// <summary>Many rows may share a key: a reference to another model's primary or unique entity.</summary>
    Foreign,
}

/// <summary>A key of a semantic model (composite keys allowed), through which models join.</summary>
public sealed record EntityDefinition
{
    /// <summary>The name in this model: the role the key plays (customer, origin_airport).</summary>
    public required string Name { get; init; }

    public required EntityType Type { get; init; }

    /// <summary>The dataset columns making up the key, in order.</summary>
    public required IReadOnlyList<string> Columns { get; init; }

    /// <summary>The entity this key identifies; equals <see cref="Name"/> unless the key plays a role.</summary>
    public required string Refers { get; init; }

    public string? Description { get; init; }

    public required SourceLocation Location { get; init; }

    /// <summary>True when rows of the model are at most one per key.</summary>
    public bool IsUnique => Type is EntityType.Primary or EntityType.Unique;
}
