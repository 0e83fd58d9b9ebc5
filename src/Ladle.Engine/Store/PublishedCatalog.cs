using Ladle.Core.Errors;
using Ladle.Engine.Results;

namespace Ladle.Engine.Store;

/// <summary>
/// Which version of each dataset is served, and which older ones are still retained. Readers take a lease on
/// the version they read, so retention never drops a table under a running query; the served version swaps in
/// one step, so a reader sees either the old or the new version, never a mix.
/// </summary>
public sealed class PublishedCatalog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Entry>> _byDataset = new(StringComparer.OrdinalIgnoreCase);
    private readonly Action<string, long> _drop;

    /// <param name="drop">Drops a version's data once nobody reads it any more.</param>
    public PublishedCatalog(Action<string, long> drop) => _drop = drop;

    /// <summary>The served version of a dataset, or null when nothing was ever published.</summary>
    public DataVersion? Current(string dataset)
    {
        lock (_lock)
            return _byDataset.TryGetValue(dataset, out var list) && list.Count > 0 ? list[0].Version : null;
    }

    /// <summary>Every retained version of a dataset, newest first.</summary>
    public IReadOnlyList<DataVersion> Retained(string dataset)
    {
        lock (_lock)
            return _byDataset.TryGetValue(dataset, out var list) ? list.Select(e => e.Version).ToList() : [];
    }

    /// <summary>Leases held now on any version of a dataset (readers still reading it).</summary>
    public int Leases(string dataset)
    {
        lock (_lock)
            return _byDataset.TryGetValue(dataset, out var list) ? list.Sum(e => e.Leases) : 0;
    }

    /// <summary>Adds a retained version without making it current unless it is the newest (used on start-up).</summary>
    public void Restore(DataVersion version)
    {
        lock (_lock)
        {
            var list = ListFor(version.Dataset);
            list.Add(new Entry(version));
            list.Sort((a, b) => b.Version.Version.CompareTo(a.Version.Version));
        }
    }

    /// <summary>Makes <paramref name="version"/> the served one and retires versions beyond <paramref name="retain"/>.</summary>
    public void Publish(DataVersion version, int retain)
    {
        var toDrop = new List<DataVersion>();
        lock (_lock)
        {
            var list = ListFor(version.Dataset);
            list.Insert(0, new Entry(version));
            while (list.Count > Math.Max(1, retain))
            {
                var old = list[^1];
                list.RemoveAt(list.Count - 1);
                old.Retired = true;
                if (old.Leases == 0) toDrop.Add(old.Version);
            }
        }
        foreach (var v in toDrop) _drop(v.Dataset, v.Version);
    }

    /// <summary>
    /// Leases the served version (or <paramref name="pinned"/>, for a cursor) until the lease is disposed.
    /// Throws 503 when nothing was published and 410 when a pinned version is no longer retained.
    /// </summary>
    public VersionLease Acquire(string dataset, long? pinned)
    {
        lock (_lock)
        {
            if (!_byDataset.TryGetValue(dataset, out var list) || list.Count == 0)
                throw new DatasetUnavailableException(dataset,
                    $"dataset '{dataset}' has no published version yet; run 'ladle materialize {dataset}' or wait for its schedule");
            var entry = pinned is null ? list[0] : list.FirstOrDefault(e => e.Version.Version == pinned);
            if (entry is null)
                throw new GoneException($"version {pinned} of dataset '{dataset}' is no longer retained; start again without the cursor");
            entry.Leases++;
            return new VersionLease(this, entry);
        }
    }

    private void Release(Entry entry)
    {
        bool drop;
        lock (_lock)
        {
            entry.Leases--;
            drop = entry.Retired && entry.Leases == 0;
        }
        if (drop) _drop(entry.Version.Dataset, entry.Version.Version);
    }

    private List<Entry> ListFor(string dataset)
    {
        if (!_byDataset.TryGetValue(dataset, out var list)) _byDataset[dataset] = list = [];
        return list;
    }

    internal sealed class Entry(DataVersion version)
    {
        public DataVersion Version { get; } = version;
        public int Leases { get; set; }
        public bool Retired { get; set; }
    }

    /// <summary>A reader's hold on one version; dispose once the read is finished.</summary>
    public sealed class VersionLease : IDisposable
    {
        private readonly PublishedCatalog _catalog;
        private readonly Entry _entry;
        private int _released;

        internal VersionLease(PublishedCatalog catalog, Entry entry)
        {
            _catalog = catalog;
            _entry = entry;
        }

        public DataVersion Version => _entry.Version;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) _catalog.Release(_entry);
        }
    }
}
