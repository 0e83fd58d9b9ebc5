namespace Ladle.Engine.Features;

/// <summary>
/// Where a view's online entries are kept: in this process (<see cref="MemoryOnlineBackend"/>) or in Redis, shared by
/// several nodes (<see cref="RedisOnlineBackend"/>). Each publication stores every entity's entry built from one
/// version of the view's dataset, merged entity by entity into the entries in place (<see cref="OnlineEntry.Merge"/>):
/// a write never replaces an entity's newer event with an older one, and an entity the version lacks keeps its entry
/// until its TTL ends it. Publishing is atomic per view and ordered by version: a writer that built an older version
/// never replaces a newer one, whatever order the writes land in, and a read sees one publication, never a mix.
/// </summary>
public interface IOnlineFeatureBackend : IAsyncDisposable
{
    /// <summary>memory or redis: how the lookup's answer says where it came from.</summary>
    string Kind { get; }

    /// <summary>
    /// Stores <paramref name="entries"/> (entity key → entry), merged into the current ones, as the view's entries of
    /// <paramref name="version"/>, and makes them current unless a newer version is current already (then they are
    /// discarded). Returns the version current afterwards.
    /// </summary>
    Task<long> PublishAsync(string view, long version, IReadOnlyDictionary<string, OnlineEntry> entries, CancellationToken cancellationToken);

    /// <summary>The current version's entries for <paramref name="keys"/> (null where absent or the key is null), read at once.</summary>
    ValueTask<OnlineRead> ReadAsync(string view, IReadOnlyList<string?> keys, CancellationToken cancellationToken);

    /// <summary>The current version and how many entities it holds (null: nothing published for the view).</summary>
    ValueTask<(long Version, long Entities)?> DescribeAsync(string view, CancellationToken cancellationToken);
}

/// <summary>What a read found: the version it read (null: none published) and one entry per key asked.</summary>
public readonly record struct OnlineRead(long? Version, OnlineEntry?[] Entries);
