using Ladle.Core.Policy;

namespace Ladle.Engine.Serving;

/// <summary>
/// A request for dataset rows as every interface receives it (query parameters, CLI options, a sync's
/// configuration): raw text, validated in one place by the pipeline.
/// </summary>
public sealed record RowsRequest
{
    public required Principal Principal { get; init; }

    /// <summary>Which adapter received it (rest, cli, …), for audit and metrics.</summary>
    public required string Interface { get; init; }

    public required string Dataset { get; init; }
    public string? Columns { get; init; }
    public IReadOnlyList<string> Filters { get; init; } = [];
    public string? Order { get; init; }
    public string? Limit { get; init; }
    public string? Cursor { get; init; }

    /// <summary>A specific version to read: a retained one, or a quarantined one its owner inspects.</summary>
    public string? Version { get; init; }
    public string? Format { get; init; }
}

/// <summary>What the response states about the data before the first row: set as headers by HTTP adapters.</summary>
public sealed record ServeInfo(string Dataset, Trust.DataHealth Health, long? Version, DateTimeOffset? PublishedAt, string ContentType, string FileExtension)
{
    public Trust.DataStatus Status => Health.Status;
}
