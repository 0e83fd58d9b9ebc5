using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Ladle.Core.Features;
using Ladle.Core.Model;
using Ladle.Engine.Results;
using Ladle.Engine.Sql;
using Ladle.Engine.Store;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Features;

/// <summary>
/// The embedded online store: per feature view, every entity's latest rows in memory, built from the served version
/// of the view's dataset with <see cref="PointInTime.OnlineRows"/> — at start, on each publication (the catalog's
/// Changed event), and whenever a lookup finds the snapshot behind the served version, so a lookup never answers
/// from a version older than the one served. A new version never replaces an entity whose winner is newer (event,
/// then created time) than the new version's: an older event published later does not overwrite a newer one; an
/// entity the new version lacks keeps its last rows (TTL still expires them on read).
/// </summary>
public sealed partial class OnlineFeatureStore(ProjectDefinition project, DuckDbStore store, VersionCatalog catalog, TimeProvider clock, ILogger logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, OnlineSnapshot> _snapshots = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private bool _started;

    /// <summary>The clock online answers are "now" by (TTL is relative to it).</summary>
    public TimeProvider Clock { get; } = clock;

    /// <summary>Follows publications and builds every view with a served version (in the background).</summary>
    public void Start()
    {
        if (_started) return;
        _started = true;
        catalog.Changed += OnChanged;
        foreach (var view in project.Features.Views) RefreshInBackground(view);
    }

    /// <summary>The snapshot of the dataset's served version (built now if it is behind); the catalog's error when nothing is served.</summary>
    public async ValueTask<OnlineSnapshot> GetAsync(FeatureView view, CancellationToken cancellationToken)
    {
        var current = catalog.Current(view.Dataset.Name);
        if (current is not null && _snapshots.TryGetValue(view.Name, out var snapshot) && snapshot.Version == current) return snapshot;
        return await RefreshAsync(view, cancellationToken);
    }

    /// <summary>Builds the view's snapshot from the served version unless it is already current; returns it.</summary>
    public async Task<OnlineSnapshot> RefreshAsync(FeatureView view, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(view.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Nothing served yet: the catalog says so the way every read hears it.
            using var lease = catalog.Acquire(view.Dataset.Name, null);
            _snapshots.TryGetValue(view.Name, out var old);
            if (old is not null && old.Version == lease.Version) return old;
            var now = Clock.GetUtcNow().UtcDateTime;
            var entries = await StatementGuard.Dedicated(() => Build(view, lease.Version, now));
            var kept = 0;
            if (old is not null)
            {
                foreach (var (key, entry) in old.Entries)
                {
                    var before = entry.WinnerAt(now);
                    if (entries.TryGetValue(key, out var fresh) && !Newer(before, fresh.WinnerAt(now))) continue;
                    entries[key] = entry;
                    kept++;
                }
            }
            var built = new OnlineSnapshot(view, lease.Version, now, entries) { KeptNewer = kept };
            _snapshots[view.Name] = built;
            Log.Built(logger, view.Name, view.Dataset.Name, lease.Version.Version, entries.Count, kept);
            return built;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>True when <paramref name="old"/> won with a later event (then created) time than <paramref name="fresh"/>.</summary>
    private static bool Newer(OnlineRow? old, OnlineRow? fresh) =>
        old is not null && (fresh is null || old.Event > fresh.Event || (old.Event == fresh.Event && old.Created > fresh.Created));

    private Dictionary<string, OnlineEntry> Build(FeatureView view, DataVersion version, DateTime now)
    {
        var source = "SELECT * FROM " + DuckDbStore.VersionTable(view.Dataset.Name, version.Version);
        var sql = PointInTime.OnlineRows(new PointInTime.ViewInput(view, view.Features, source), "$now");
        var keyTypes = Enumerable.Range(0, view.Entities.Count).Select(i => PointInTime.KeyType(view, i)).ToArray();
        var rows = new Dictionary<string, List<OnlineRow>>(StringComparer.Ordinal);
        using (var connection = store.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = sql;
            command.Parameters.Add(new DuckDBParameter("now", now));
            using var reader = command.ExecuteReader();
            var keys = new object?[keyTypes.Length];
            var first = keyTypes.Length;
            while (reader.Read())
            {
                for (var i = 0; i < keys.Length; i++) keys[i] = reader.GetValue(i);
                var values = new object?[view.Features.Count];
                for (var i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(first + 3 + i) ? null : reader.GetValue(first + 3 + i);
                var row = new OnlineRow(reader.GetDateTime(first), reader.GetDateTime(first + 1), reader.GetInt64(first + 2), values);
                var key = EntityKey.Of(keys, keyTypes);
                if (!rows.TryGetValue(key, out var list)) rows[key] = list = [];
                list.Add(row);
            }
        }
        return rows.ToDictionary(r => r.Key, r => new OnlineEntry(r.Value.OrderBy(x => x.Rank).ToArray()), StringComparer.Ordinal);
    }

    private void OnChanged(object? sender, VersionChange change)
    {
        if (change.Kind != VersionChangeKind.Published) return;
        foreach (var view in project.Features.ViewsOf(change.Dataset)) RefreshInBackground(view);
    }

    private void RefreshInBackground(FeatureView view)
    {
        if (catalog.Current(view.Dataset.Name) is null) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync(view, _stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                // The next lookup builds it again; a failed build never stops publication.
                Log.BuildFailed(logger, e, view.Name, view.Dataset.Name);
            }
        });
    }

    public void Dispose()
    {
        catalog.Changed -= OnChanged;
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1900, LogLevel.Information, "Online features of view {View} built from {Dataset} version {Version}: {Entities} entities ({Kept} kept from an earlier version: newer there, or absent here)")]
        public static partial void Built(ILogger logger, string view, string dataset, long version, int entities, int kept);

        [LoggerMessage(1901, LogLevel.Warning, "Online features of view {View} could not be built from {Dataset}; lookups build them again")]
        public static partial void BuildFailed(ILogger logger, Exception e, string view, string dataset);
    }
}
