using Ladle.Core.Errors;

namespace Ladle.Core.Model;

/// <summary>The kinds of source Ladle reads from.</summary>
public enum SourceKind : byte
{
    Files,
    DuckDb,
    Sqlite,
    Postgres,
}

/// <summary>File formats a <see cref="SourceKind.Files"/> source can hold.</summary>
public enum FileFormat : byte
{
    Auto,
    Csv,
    Parquet,
    Json,
}

/// <summary>Where data lives, as declared under <c>sources:</c> in ladle.yaml.</summary>
public sealed record SourceDefinition
{
    public required string Name { get; init; }
    public required SourceKind Kind { get; init; }

    /// <summary>Absolute path: the folder of a files source, or the database file of duckdb/sqlite.</summary>
    public string? Path { get; init; }

    /// <summary>For files sources, the format of every file (auto = by extension).</summary>
    public FileFormat Format { get; init; }

    /// <summary>For postgres: the environment variable that holds the connection string (never the string itself).</summary>
    public string? ConnectionEnv { get; init; }

    public required SourceLocation Location { get; init; }
}
