namespace Ladle.Core.Model;

/// <summary>The backends that can keep Ladle's own records (versions, checks, incidents, tokens, audit, run leases).</summary>
public enum StateKind : byte
{
    /// <summary>One SQLite file (<see cref="ProjectDefinition.StatePath"/>), shared by the processes of one machine.</summary>
    Sqlite,
}

/// <summary>
/// Settings under <c>state:</c> in ladle.yaml: either a path (the SQLite file, as before) or a mapping with a
/// <c>kind</c> and that kind's settings (<c>kind: sqlite</c> takes <c>path</c>). A backend shared by several nodes
/// adds its kind and its keys here.
/// </summary>
public sealed record StateSettings
{
    /// <summary>Which backend keeps the state.</summary>
    public StateKind Kind { get; init; } = StateKind.Sqlite;
}
