using System.Collections.Concurrent;

namespace Ladle.Engine.Features;

/// <summary>The embedded online store: each view's current version's entries in this process's memory (the default).</summary>
public sealed class MemoryOnlineBackend : IOnlineFeatureBackend
{
    private sealed record Snapshot(long Version, IReadOnlyDictionary<string, OnlineEntry> Entries);

    private readonly ConcurrentDictionary<string, Snapshot> _views = new(StringComparer.OrdinalIgnoreCase);

    public string Kind => "memory";

    public Task<long> PublishAsync(string view, long version, IReadOnlyDictionary<string, OnlineEntry> entries, CancellationToken cancellationToken)
    {
        // Compare-and-swap: a snapshot of an older version loses to the one in place, whichever writer comes last; a
        // newer one is merged into it entity by entity, so no entity's newer event is replaced by an older one.
        var kept = _views.AddOrUpdate(view, _ => new Snapshot(version, entries),
            (_, current) => current.Version > version ? current : new Snapshot(version, OnlineEntry.Merge(current.Entries, entries)));
        return Task.FromResult(kept.Version);
    }

    public ValueTask<OnlineRead> ReadAsync(string view, IReadOnlyList<string?> keys, CancellationToken cancellationToken)
    {
        if (!_views.TryGetValue(view, out var snapshot)) return ValueTask.FromResult(new OnlineRead(null, new OnlineEntry?[keys.Count]));
        var entries = new OnlineEntry?[keys.Count];
        for (var i = 0; i < keys.Count; i++)
            if (keys[i] is { } key && snapshot.Entries.TryGetValue(key, out var entry)) entries[i] = entry;
        return ValueTask.FromResult(new OnlineRead(snapshot.Version, entries));
    }

    public ValueTask<(long Version, long Entities)?> DescribeAsync(string view, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_views.TryGetValue(view, out var snapshot) ? ((long, long)?)(snapshot.Version, snapshot.Entries.Count) : null);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
