namespace Ladle.Core.Semantic;

/// <summary>One join: rows of <see cref="From"/> find their row of <see cref="To"/> by equal keys (many-to-one or one-to-one).</summary>
public sealed record JoinHop(SemanticModel From, EntityDefinition FromEntity, SemanticModel To, EntityDefinition ToEntity);

/// <summary>
/// A chain of many-to-one joins from a model with measures to a model whose dimensions a query uses. Only joins
/// toward a primary or unique key are paths, so following one never multiplies the measure's rows.
/// </summary>
public sealed class JoinPath(SemanticModel root, IReadOnlyList<JoinHop> hops)
{
    public SemanticModel Root { get; } = root;
    public IReadOnlyList<JoinHop> Hops { get; } = hops;
    public SemanticModel Target => Hops.Count == 0 ? Root : Hops[^1].To;

    /// <summary>The entity names along the path, as written in <c>via:</c> (customer.region).</summary>
    public string Via => string.Join('.', Hops.Select(h => h.FromEntity.Name));

    /// <summary>A stable key: two paths with the same key join the same rows.</summary>
    public string Key => Root.Name + (Hops.Count == 0 ? "" : ":" + Via);

    /// <summary>True when this path starts with every hop of <paramref name="prefix"/>.</summary>
    public bool StartsWith(JoinPath prefix) =>
        prefix.Hops.Count <= Hops.Count && prefix.Hops.Select((h, i) => ReferenceEquals(h.FromEntity, Hops[i].FromEntity) && h.To.Name == Hops[i].To.Name).All(x => x);

    /// <summary>The path as people read it: orders -[customer]-> customers -[region]-> regions.</summary>
    public override string ToString() =>
        Root.Name + string.Concat(Hops.Select(h => $" -[{h.FromEntity.Name}]-> {h.To.Name}"));
}
