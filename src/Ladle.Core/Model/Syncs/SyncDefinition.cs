using Ladle.Core.Errors;

namespace Ladle.Core.Model.Syncs;

/// <summary>
/// A sync of syncs/*.yaml (reverse ETL): rows of a dataset, read as a principal, pushed by key into an operational
/// system with a mode, on a schedule or on publication, within a rate limit and guarded by thresholds.
/// </summary>
public sealed record SyncDefinition
{
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>The dataset read (through the read pipeline, as <see cref="Principal"/>); "metrics" for a metric-query source.</summary>
    public required string Dataset { get; init; }

    /// <summary>
    /// A metric query read through the semantic layer instead of a dataset (revenue by merchant, say), as its
    /// principal would ask it of the REST API; the key and fields name its answer's columns. Null for a dataset source.
    /// </summary>
    public Semantic.Queries.MetricQuery? Metric { get; init; }

    /// <summary>Filters in the REST API's syntax (<c>column=op:value</c>), applied to the source read.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];

    /// <summary>The access.yaml principal the sync reads as: its grants, row filters and masks apply.</summary>
    public required string Principal { get; init; }

    public required SyncDestinationDefinition Destination { get; init; }

    /// <summary>Source column ↔ destination field that identifies a record.</summary>
    public required SyncFieldMapping Key { get; init; }

    /// <summary>The fields sent, each converted to its type; a change in any of them is an update.</summary>
    public required IReadOnlyList<SyncFieldMapping> Fields { get; init; }

    public SyncMode Mode { get; init; } = SyncMode.Upsert;

    /// <summary>Cron schedule (UTC), or null.</summary>
    public string? Schedule { get; init; }

    /// <summary>Runs after each publication of its dataset.</summary>
    public bool OnPublish { get; init; }

    public int BatchSize { get; init; } = 100;

    /// <summary>Requests per second to the destination (a token bucket), or null for no limit.</summary>
    public double? RequestsPerSecond { get; init; }

    public SyncThresholds Thresholds { get; init; } = new();

    /// <summary>What a run does when the source's data is stale.</summary>
    public SyncOnStale OnStale { get; init; } = SyncOnStale.Refuse;

    /// <summary>The file it was read from, relative to the project.</summary>
    public required string File { get; init; }

    public required SourceLocation Location { get; init; }

    /// <summary>Every source column the sync reads: the key first, then the fields' sources, without repeats.</summary>
    public IReadOnlyList<string> SourceColumns =>
        new[] { Key.Source }.Concat(Fields.Select(f => f.Source)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}

/// <summary>How a sync changes the destination.</summary>
public enum SyncMode : byte
{
    /// <summary>Creates records for keys never delivered; never changes one.</summary>
    Insert,

    /// <summary>Changes records the destination holds; never creates one.</summary>
    Update,

    /// <summary>Creates or changes.</summary>
    Upsert,

    /// <summary>Upsert, and deletes what left the source.</summary>
    Mirror,
}

/// <summary>What a run does when its dataset's served data is stale (past its freshness promise).</summary>
public enum SyncOnStale : byte
{
    /// <summary>Does not run; the run is recorded as refused.</summary>
    Refuse,

    /// <summary>Runs, and the run records the warning.</summary>
    Warn,

    /// <summary>Does not run and records that it waits for fresh data (not a failure).</summary>
    Wait,
}

/// <summary>One source column and the destination field it is written to, with the type it is converted to.</summary>
public sealed record SyncFieldMapping(string Source, string Destination, LadleType? Type, SourceLocation Location);

/// <summary>Circuit breakers: a run stops early rather than do damage.</summary>
public sealed record SyncThresholds
{
    /// <summary>The share of delivered rows the destination may reject before the run stops (0.1 = 10%).</summary>
    public double MaxRejectRate { get; init; } = 0.1;

    /// <summary>How many rows must have been answered before the reject rate can stop a run.</summary>
    public int MinRowsForRejectRate { get; init; } = 100;

    /// <summary>The largest share of the records delivered so far a mirror may delete in one run.</summary>
    public double MaxDeleteShare { get; init; } = 0.2;
}

/// <summary>The kinds of destination.</summary>
public enum SyncDestinationKind : byte
{
    Webhook,
    Postgres,
    Hubspot,
}

/// <summary>Where a sync writes. Secrets (URLs, connection strings, keys) are named environment variables, never values.</summary>
public sealed record SyncDestinationDefinition
{
    public required SyncDestinationKind Kind { get; init; }

    /// <summary>webhook: the variable holding the URL; hubspot: the variable holding the API base URL (optional).</summary>
    public string? UrlEnv { get; init; }

    /// <summary>webhook: the variable holding the HMAC-SHA256 signing secret (optional).</summary>
    public string? SecretEnv { get; init; }

    /// <summary>postgres: the variable holding the Npgsql connection string.</summary>
    public string? ConnectionEnv { get; init; }

    /// <summary>postgres: the table (optionally schema.table).</summary>
    public string? Table { get; init; }

    /// <summary>hubspot: the variable holding the private app token.</summary>
    public string? TokenEnv { get; init; }

    /// <summary>hubspot: the object type (contacts, companies, …).</summary>
    public string? Object { get; init; }

    /// <summary>Seconds a request may take before it counts as a transient failure.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts of a request that fails transiently (5xx, timeouts, 429) before the run stops.</summary>
    public int MaxAttempts { get; init; } = 5;

    public required SourceLocation Location { get; init; }
}
