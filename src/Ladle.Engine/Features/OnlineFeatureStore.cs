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
/// The online store: per feature view, every entity's rows as of the served version of the view's dataset, built
/// with <see cref="PointInTime.OnlineRows"/> and kept by a backend (in memory by default, or Redis) — at start, on
/// each publication (the catalog's Changed event), and whenever a lookup finds this node's last publication behind
/// the served version, so a lookup never answers from a version older than the one served.
/// </summary>
/// <remarks>
/// A version is merged into the entries in place entity by entity, never replacing an entity's newer event with an
/// older one (the issue's rule for online writers; Feast's writers do not keep it): a version that lacks an entity,
/// or whose newest row of it is older than the one served (a withdrawn row, a backfill), leaves the newer entry
/// served until its TTL ends it, and the skew report shows the difference from the offline answer. Nor may the order
/// of writes let an older version replace a newer one (a slow node's build landing after a faster one's): the
/// backend's publication is atomic and ordered by version.
/// </remarks>
public sealed partial class OnlineFeatureStore(ProjectDefinition project, DuckDbStore store, VersionCatalog catalog, TimeProvider clock, ILogger logger,
    IOnlineFeatureBackend? backend = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> _published = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, FeatureFreshness> _freshness = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private bool _started;

    /// <summary>The clock online answers are "now" by (TTL is relative to it).</summary>
    public TimeProvider Clock { get; } = clock;

    /// <summary>Where the entries are kept.</summary>
    public IOnlineFeatureBackend Backend { get; } = backend ?? new MemoryOnlineBackend();

    /// <summary>Follows publications and builds every view with a served version (in the background).</summary>
    public void Start()
    {
        if (_started) return;
        _started = true;
        catalog.Changed += OnChanged;
        foreach (var view in project.Features.Views) RefreshInBackground(view);
    }

    /// <summary>
    /// The entries of <paramref name="keys"/> as the backend serves them now, after publishing the served version if
    /// this node has not yet; the version they come from (the served one, unless another node published a newer).
    /// The catalog's error when nothing is served.
    /// </summary>
    public async ValueTask<(OnlineRead Read, DataVersion Version)> ReadAsync(FeatureView view, IReadOnlyList<string?> keys, CancellationToken cancellationToken)
    {
        var served = await EnsureCurrentAsync(view, cancellationToken);
        var read = await Backend.ReadAsync(view.Name, keys, cancellationToken);
        if (read.Version is null || read.Version < served.Version)
        {
            // The shared store lost what this node published (a Redis restarted without persistence, a flush): build it again.
            _published.TryRemove(view.Name, out _);
            served = await RefreshAsync(view, cancellationToken);
            read = await Backend.ReadAsync(view.Name, keys, cancellationToken);
            if (read.Version is null) return (read, served);
        }
        var version = read.Version == served.Version ? served
            : catalog.Retained(view.Dataset.Name).FirstOrDefault(v => v.Version == read.Version) ?? new DataVersion(view.Dataset.Name, read.Version.Value, served.PublishedAt);
        return (read, version);
    }

    /// <summary>The served version, published to the backend by this node (built now if it was not).</summary>
    public async ValueTask<DataVersion> EnsureCurrentAsync(FeatureView view, CancellationToken cancellationToken)
    {
        var current = catalog.Current(view.Dataset.Name);
        if (current is not null && _published.TryGetValue(view.Name, out var published) && published >= current.Version) return current;
        return await RefreshAsync(view, cancellationToken);
    }

    /// <summary>The age of the view's newest event known now (null: not built yet, or no event known).</summary>
    public TimeSpan? Freshness(FeatureView view) =>
        _freshness.TryGetValue(view.Name, out var freshness) ? freshness.AgeAt(Clock.GetUtcNow().UtcDateTime) : null;

    /// <summary>Builds the view's entries from the served version and publishes them, unless this node already did; returns that version.</summary>
    public async Task<DataVersion> RefreshAsync(FeatureView view, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(view.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Nothing served yet: the catalog says so the way every read hears it.
            using var lease = catalog.Acquire(view.Dataset.Name, null);
            if (_published.TryGetValue(view.Name, out var published) && published >= lease.Version.Version) return lease.Version;
            var now = Clock.GetUtcNow().UtcDateTime;
            var entries = await StatementGuard.Dedicated(() => Build(view, lease.Version, now));
            var current = await Backend.PublishAsync(view.Name, lease.Version.Version, entries, cancellationToken);
            _freshness[view.Name] = FeatureFreshness.Of(entries.Values);
            _published[view.Name] = lease.Version.Version;
            Log.Built(logger, view.Name, view.Dataset.Name, lease.Version.Version, entries.Count, Backend.Kind, current);
            return lease.Version;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The rows the online store keeps for every entity of <paramref name="version"/>, by entity key (also the offline answer at <paramref name="now"/>).</summary>
    public Dictionary<string, OnlineEntry> Build(FeatureView view, DataVersion version, DateTime now)
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

    /// <summary>One entity's offline answer at a time: its key values, the winner's event time (null: none known), whether it is within the TTL, and its features.</summary>
    /// <param name="Events">Per feature, the event time it answers for (a windowed feature's: the newest event in its window).</param>
    public sealed record OfflineAnswer(object?[] Keys, DateTime? Event, bool Live, object?[] Values, DateTime?[] Events);

    /// <summary>
    /// The offline answer at <paramref name="now"/> — the store's lookup SQL (<see cref="PointInTime.Lookup"/>, the training set's winners) asked
    /// at now — for every entity of <paramref name="version"/>, or a sample of <paramref name="sample"/> of them.
    /// </summary>
    public Task<List<OfflineAnswer>> OfflineAsync(FeatureView view, DataVersion version, DateTime now, int? sample) => StatementGuard.Dedicated(() =>
    {
        var source = "SELECT * FROM " + DuckDbStore.VersionTable(view.Dataset.Name, version.Version);
        var input = new PointInTime.ViewInput(view, view.Features, source);
        var keys = Enumerable.Range(0, view.Entities.Count).Select(i => $"ladle_k{i} AS \"{view.Entities[i].Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
        var distinct = $"SELECT DISTINCT {string.Join(", ", keys)} FROM ({PointInTime.FeatureRows(input with { Features = [] })}) AS f";
        if (sample is { } n) distinct = $"SELECT * FROM ({distinct}) AS d USING SAMPLE reservoir({n} ROWS) REPEATABLE (7)";
        var entities = $"(SELECT k.*, row_number() OVER () AS {PointInTime.RowColumn}, CAST($now AS TIMESTAMP) AS {PointInTime.EntityTime} FROM ({distinct}) AS k)";
        // The store's lookup asked at now (the training set's winners): ladle_row, the keys, the view's event and TTL flag, then each feature's value and event.
        var sql = PointInTime.Lookup([input], entities, view.Entities);
        var answers = new List<OfflineAnswer>();
        using var connection = store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter("now", now));
        using var reader = command.ExecuteReader();
        var k = view.Entities.Count;
        while (reader.Read())
        {
            var keyValues = new object?[k];
            for (var i = 0; i < k; i++) keyValues[i] = reader.IsDBNull(1 + i) ? null : reader.GetValue(1 + i);
            var values = new object?[view.Features.Count];
            var events = new DateTime?[view.Features.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(k + 3 + 2 * i) ? null : reader.GetValue(k + 3 + 2 * i);
                events[i] = reader.IsDBNull(k + 4 + 2 * i) ? null : reader.GetDateTime(k + 4 + 2 * i);
            }
            answers.Add(new OfflineAnswer(keyValues, reader.IsDBNull(k + 1) ? null : reader.GetDateTime(k + 1), !reader.IsDBNull(k + 2) && reader.GetBoolean(k + 2), values, events));
        }
        return answers;
    });

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

    /// <summary>True once disposed (the server stopped).</summary>
    public bool Stopped { get; private set; }

    public async ValueTask DisposeAsync()
    {
        if (Stopped) return;
        Stopped = true;
        catalog.Changed -= OnChanged;
        await _stopping.CancelAsync();
        _stopping.Dispose();
        await Backend.DisposeAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(1900, LogLevel.Information, "Online features of view {View} built from {Dataset} version {Version}: {Entities} entities, published to the {Backend} store (current there: version {Current})")]
        public static partial void Built(ILogger logger, string view, string dataset, long version, int entities, string backend, long current);

        [LoggerMessage(1901, LogLevel.Warning, "Online features of view {View} could not be built from {Dataset}; lookups build them again")]
        public static partial void BuildFailed(ILogger logger, Exception e, string view, string dataset);
    }
}
