namespace Ladle.Core.Model;

/// <summary>Settings under <c>server:</c> in ladle.yaml; command-line options override them.</summary>
public sealed record ServerSettings
{
    /// <summary>Address the HTTP API listens on, host:port.</summary>
    public string Http { get; init; } = "127.0.0.1:8080";

    /// <summary>Rows per JSON page when the request names no limit.</summary>
    public int DefaultPageSize { get; init; } = 1000;

    /// <summary>The largest JSON page a request may ask for; exports are not limited.</summary>
    public int MaxPageSize { get; init; } = 100_000;

    /// <summary>Old published versions kept beside the served one (for readers and cursors in flight).</summary>
    public int RetainVersions { get; init; } = 3;

    /// <summary>
    /// How often every dataset's status is re-evaluated for incidents and alerts; staleness arrives with the clock,
    /// not with an event, so it is only noticed this way.
    /// </summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a run that failed at its source is tried again before it is given up.</summary>
    public int RunRetries { get; init; } = 3;

    /// <summary>The wait before the first retry; each further retry waits twice as long as the one before.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest any statement the engine runs for a request (a read, a metric query, an export) may take before it is interrupted.</summary>
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Statements the embedded engines (the store, DuckDB and SQLite sources) execute at once; more wait their turn
    /// in order, within their statement timeout. Defaults to the number of processors.
    /// </summary>
    public int MaxConcurrentReads { get; init; } = Environment.ProcessorCount;

    /// <summary>Exports (csv, ndjson, parquet, xlsx) streaming at once in the whole server; more are answered 429.</summary>
    public int MaxExports { get; init; } = 16;

    /// <summary>Exports streaming at once for one principal; more are answered 429.</summary>
    public int MaxExportsPerPrincipal { get; init; } = 4;

    /// <summary>The PostgreSQL wire-protocol listener (<c>server.postgres:</c>).</summary>
    public PostgresSettings Postgres { get; init; } = new();
}
