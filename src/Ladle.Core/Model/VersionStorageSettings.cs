namespace Ladle.Core.Model;

/// <summary>Where published versions live besides the node's own store (<c>storage:</c> in ladle.yaml).</summary>
public enum VersionStorageKind : byte
{
    /// <summary>Only in this node's <c>.ladle/store.duckdb</c>: the one-node default.</summary>
    Local,

    /// <summary>
    /// Also written once, as Parquet, under a folder every node mounts (<see cref="VersionStorageSettings.Path"/>), from
    /// which the other nodes load the versions they did not build.
    /// </summary>
    Folder,
}

/// <summary>
/// Settings under <c>storage:</c> in ladle.yaml: <c>{ kind: folder, path: … }</c>, shared by several nodes whose state
/// is on PostgreSQL (it needs <c>state: { kind: postgres }</c>, which says which versions are published).
/// </summary>
public sealed record VersionStorageSettings
{
    /// <summary>Where versions live.</summary>
    public VersionStorageKind Kind { get; init; } = VersionStorageKind.Local;

    /// <summary>folder: the absolute path of the shared folder (relative paths are resolved against the project).</summary>
    public string? Path { get; init; }

    /// <summary>Where <c>storage:</c> is written in ladle.yaml, for messages (null when the project has none).</summary>
    public Errors.SourceLocation? Location { get; init; }
}
