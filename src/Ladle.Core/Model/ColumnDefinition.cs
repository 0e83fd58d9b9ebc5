using Ladle.Core.Errors;

namespace Ladle.Core.Model;

/// <summary>A declared column of a dataset: its contract type, meaning and sensitivity.</summary>
public sealed record ColumnDefinition
{
    public required string Name { get; init; }
    public required LadleType Type { get; init; }
    public string? Description { get; init; }

    /// <summary>Personally identifiable: masked for principals without PII clearance.</summary>
    public bool Pii { get; init; }

    /// <summary>How the column is masked for principals without PII clearance.</summary>
    public MaskKind Mask { get; init; } = MaskKind.Redact;

    public required SourceLocation Location { get; init; }
}

/// <summary>How a PII column reads for a principal without clearance.</summary>
public enum MaskKind : byte
{
    /// <summary>NULL.</summary>
    Redact,

    /// <summary>A keyed hash: the same value hashes the same everywhere, so masked columns still join.</summary>
    Hash,

    /// <summary>The first character and the domain kept: j***@example.com.</summary>
    Partial,
}
