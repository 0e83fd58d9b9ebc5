namespace Ladle.Engine.State;

/// <summary>
/// Counters of uses per key and fixed time window, shared by every node (the PostgreSQL state), so that a principal's
/// rate limits hold across nodes rather than per node.
/// </summary>
public interface ISharedRateCounter
{
    /// <summary>Adds <paramref name="amount"/> (0 to read) to the window of <paramref name="key"/> starting at <paramref name="windowStart"/>; returns its total after.</summary>
    Task<long> AddAsync(string key, DateTimeOffset windowStart, long amount, CancellationToken cancellationToken);

    /// <summary>Forgets windows that started before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
