namespace Ladle.Core.Semantic;

/// <summary>
/// Everything a query on one model's measures can group by: each prefix (the model itself, a reachable model, a
/// named join) with the one join path it stands for.
/// </summary>
public sealed class ModelReach(SemanticModel model, IReadOnlyDictionary<string, JoinPath> prefixes)
{
    public SemanticModel Model { get; } = model;

    /// <summary>Prefix (model name or join alias) → its join path; the model itself has the empty path.</summary>
    public IReadOnlyDictionary<string, JoinPath> Prefixes { get; } = prefixes;
}
