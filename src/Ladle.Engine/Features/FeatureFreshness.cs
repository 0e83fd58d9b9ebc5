namespace Ladle.Engine.Features;

/// <summary>
/// When each event of a view became known, as a step function: the newest event time known at any instant (a row is
/// known from max(event, created)). Built with a publication from the rows the online store keeps — each entity's
/// winner and its rows not yet known — which hold every entity's newest event at any later time.
/// </summary>
public sealed class FeatureFreshness
{
    private readonly DateTime[] _knownFrom;
    private readonly DateTime[] _newest;

    private FeatureFreshness(DateTime[] knownFrom, DateTime[] newest)
    {
        _knownFrom = knownFrom;
        _newest = newest;
    }

    public static FeatureFreshness Of(IEnumerable<OnlineEntry> entries)
    {
        var rows = entries.SelectMany(e => e.Rows).Select(r => (Known: r.Event > r.Created ? r.Event : r.Created, r.Event)).OrderBy(r => r.Known).ToArray();
        var knownFrom = new DateTime[rows.Length];
        var newest = new DateTime[rows.Length];
        var max = DateTime.MinValue;
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i].Event > max) max = rows[i].Event;
            knownFrom[i] = rows[i].Known;
            newest[i] = max;
        }
        return new FeatureFreshness(knownFrom, newest);
    }

    /// <summary>The newest event time known at <paramref name="at"/>; null when none is known yet.</summary>
    public DateTime? NewestAt(DateTime at)
    {
        var index = Array.BinarySearch(_knownFrom, at);
        if (index < 0) index = ~index - 1;
        else while (index + 1 < _knownFrom.Length && _knownFrom[index + 1] == at) index++;
        return index >= 0 ? _newest[index] : null;
    }

    /// <summary>How old the newest event known at <paramref name="now"/> is; null when none is known.</summary>
    public TimeSpan? AgeAt(DateTime now) => NewestAt(now) is { } newest ? now - newest : null;
}
