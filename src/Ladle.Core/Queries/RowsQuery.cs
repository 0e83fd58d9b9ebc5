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
}
