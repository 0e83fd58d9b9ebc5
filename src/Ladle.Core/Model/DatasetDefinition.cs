using Ladle.Core.Errors;

namespace Ladle.Core.Model;

/// <summary>How a dataset is served.</summary>
public enum Materialization : byte
{
    /// <summary>Every request is pushed down to the source that holds the data.</summary>
    Live,

    /// <summary>Published into the embedded store as numbered, immutable versions.</summary>
    Table,
}

/// <summary>A named, owned, documented table or query over a source: the data product.</summary>
public sealed record DatasetDefinition
{
    public required string Name { get; init; }
    public string? Domain { get; init; }
    public string? Owner { get; init; }
    public string? Description { get; init; }

    /// <summary>The source's name, or null for SQL over other datasets run in the embedded store.</summary>
    public string? Source { get; init; }

    /// <summary>A table name in the source (schema.table allowed), or a path/glob for files sources.</summary>
    public string? Table { get; init; }

    /// <summary>A query in the source's SQL dialect (or DuckDB's for datasets over datasets).</summary>
    public string? Sql { get; init; }

    /// <summary>Datasets this one reads: declared plus those inferred from <see cref="Sql"/>.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Declared columns; when empty, the schema is discovered from the source.</summary>
    public IReadOnlyList<ColumnDefinition> Columns { get; init; } = [];

    /// <summary>Columns that identify a row; used for stable ordering and pagination.</summary>
    public IReadOnlyList<string> PrimaryKey { get; init; } = [];

    public Materialization Materialization { get; init; }

    /// <summary>Cron expression (5 fields, UTC) for <see cref="Materialization.Table"/> datasets.</summary>
    public string? Schedule { get; init; }

    /// <summary>A column whose maximum is recorded as the source watermark of each version.</summary>
    public string? WatermarkColumn { get; init; }

    /// <summary>Data-quality checks run on every new version before it is published.</summary>
    public IReadOnlyList<CheckDefinition> Checks { get; init; } = [];

    /// <summary>The freshness promise, if the dataset makes one.</summary>
    public FreshnessSlo? Freshness { get; init; }

    /// <summary>What serving does once the freshness promise is broken.</summary>
    public OnStale OnStale { get; init; } = OnStale.Serve;

    /// <summary>What a build does with source rows that do not fit the declared columns.</summary>
    public BadRowsPolicy BadRows { get; init; } = BadRowsPolicy.Fail;

    /// <summary>How many published versions to keep; null takes server.retain_versions.</summary>
    public int? RetainVersions { get; init; }

    /// <summary>How long a quarantined version stays for inspection before retention drops it.</summary>
    public TimeSpan KeepQuarantined { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Where each declared depends_on entry is written, for error messages.</summary>
    public IReadOnlyList<SourceLocation> DependsOnLocations { get; init; } = [];

    /// <summary>The stream whose closed windows this dataset holds; its versions are published by the stream only.</summary>
    public string? Stream { get; init; }

    public required string File { get; init; }
    public required SourceLocation Location { get; init; }

    /// <summary>True when the dataset is computed by the embedded store from other datasets.</summary>
    public bool IsDerived => Source is null;

    public ColumnDefinition? FindColumn(string name) =>
        Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
