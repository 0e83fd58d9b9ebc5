using Ladle.Core.Features;

namespace Ladle.Engine.Features;

/// <summary>One row the online store keeps for an entity: its times, its rank in the entity's order (1 wins) and its features.</summary>
public sealed record OnlineRow(DateTime Event, DateTime Created, long Rank, object?[] Values)
{
    /// <summary>Known at <paramref name="at"/>: event and created time not after it (<see cref="PointInTime"/>).</summary>
    public bool KnownAt(DateTime at) => Event <= at && Created <= at;
}

/// <summary>
/// The rows kept for one entity, by rank: the one that won when the snapshot was taken, and those not yet known then
/// that may win later. The winner at a time is the first known then, which is the order of <see cref="PointInTime"/>.
/// </summary>
public sealed record OnlineEntry(OnlineRow[] Rows)
{
    public OnlineRow? WinnerAt(DateTime at)
    {
        foreach (var row in Rows)
            if (row.KnownAt(at)) return row;
        return null;
    }

    /// <summary>The newest event time of the rows kept (known yet or not); null when none.</summary>
    public DateTime? NewestEvent
    {
        get
        {
            DateTime? newest = null;
            foreach (var row in Rows)
                if (newest is null || row.Event > newest) newest = row.Event;
            return newest;
        }
    }

    /// <summary>
    /// What a publication leaves for each entity, given the entries in place (<paramref name="current"/>) and those a
    /// newer version offers: an offered entry replaces the one in place unless the one in place holds a newer event
    /// (a write never replaces a newer event with an older one), and an entity the offer lacks keeps its entry (its
    /// TTL ends it online, as it would have had no newer version come). Ties go to the offer: a correction of the same
    /// event replaces it.
    /// </summary>
    public static Dictionary<string, OnlineEntry> Merge(IReadOnlyDictionary<string, OnlineEntry> current, IReadOnlyDictionary<string, OnlineEntry> offered)
    {
        var merged = new Dictionary<string, OnlineEntry>(Math.Max(current.Count, offered.Count), StringComparer.Ordinal);
        foreach (var (key, entry) in offered)
            merged[key] = current.TryGetValue(key, out var kept) && kept.NewestEvent > entry.NewestEvent ? kept : entry;
        foreach (var (key, entry) in current) merged.TryAdd(key, entry);
        return merged;
    }
}
