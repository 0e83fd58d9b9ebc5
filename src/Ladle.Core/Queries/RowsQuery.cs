namespace Ladle.Core.Queries;

/// <summary>A logical request for rows of one dataset: projection, filters, order, a page.</summary>
public sealed record RowsQuery
{
    public required string Dataset { get; init; }

    /// <summary>Columns to return in this order; every column of the dataset when empty.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    public IReadOnlyList<Filter> Filters { get; init; } = [];
    public IReadOnlyList<SortKey> Order { get; init; } = [];

    /// <summary>Most rows to return; null for all (exports).</summary>
    public long? Limit { get; init; }

    /// <summary>Rows to skip, from a cursor.</summary>
    public long Offset { get; init; }

    /// <summary>The published version a cursor was issued against, so every page reads the same data.</summary>
    public long? PinnedVersion { get; init; }

    /// <summary>When the version a cursor pinned was published (Unix milliseconds), so another version of that number is refused.</summary>
    public long? PinnedPublishedAt { get; init; }

    /// <summary>
    /// Row filters of the principal's grants: a row is visible when it passes every filter of at least one
    /// group (OR of ANDs). Empty: every row. Set only by the policy, never from a request.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Filter>> PolicyFilters { get; init; } = [];

    /// <summary>Columns masked for the principal, and how. Set only by the policy.</summary>
    public IReadOnlyDictionary<string, Model.MaskKind> Masks { get; init; } = new Dictionary<string, Model.MaskKind>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The key of keyed-hash masks (bound as a parameter).</summary>
    public string? MaskKey { get; init; }
}
