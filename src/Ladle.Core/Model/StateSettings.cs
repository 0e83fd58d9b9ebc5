namespace Ladle.Core.Model;

/// <summary>The backends that can keep Ladle's own records (versions, checks, incidents, tokens, audit, run leases).</summary>
public enum StateKind : byte
{
    /// <summary>One SQLite file (<see cref="ProjectDefinition.StatePath"/>), shared by the processes of one machine.</summary>
    Sqlite,

    /// <summary>
    /// A PostgreSQL database (its connection string in the environment variable <see cref="StateSettings.ConnectionEnv"/>
    /// names), shared by every node and by the CLI on any machine.
    /// </summary>
    Postgres,
}

/// <summary>
/// Settings under <c>state:</c> in ladle.yaml: either a path (the SQLite file, as before) or a mapping with a
/// <c>kind</c> and that kind's settings (<c>kind: sqlite</c> takes <c>path</c>; <c>kind: postgres</c> takes
/// <c>connection_env</c> and <c>schema</c>).
/// </summary>
public sealed record StateSettings
{
    /// <summary>Which backend keeps the state.</summary>
    public StateKind Kind { get; init; } = StateKind.Sqlite;

    /// <summary>
    /// postgres: the environment variable holding the connection string (never the string itself: ladle.yaml is under
    /// version control and the string carries a password).
    /// </summary>
    public string? ConnectionEnv { get; init; }

    /// <summary>postgres: the schema holding Ladle's tables (null: <c>ladle</c>); projects can share a database, one schema each.</summary>
    public string? Schema { get; init; }

    /// <summary>Where <c>state:</c> is written in ladle.yaml, for messages (null when the project has none).</summary>
    public Errors.SourceLocation? Location { get; init; }
}
