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
}
