using System.Collections.Concurrent;
using System.Diagnostics;
using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Sql;
using Ladle.Engine.Store;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Semantic;

/// <summary>
/// Rollup tables in the store, one per rollup and published version of its dataset (schema <c>ladle_rollups</c>).
/// They are built inside the dataset's write-audit-publish step, from the version about to be published, so a
/// rollup and the version it summarises are published together; they are dropped with the version.
/// </summary>
public sealed class RollupStore
{
    /// <summary>The store schema holding rollup tables.</summary>
    public const string Schema = "ladle_rollups";

    private readonly SemanticLayer _layer;
    private readonly DuckDbStore _store;
    private readonly VersionCatalog _catalog;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _built = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<bool> _loaded;

    internal RollupStore(SemanticLayer layer, DuckDbStore store, VersionCatalog catalog, ILogger logger)
    {
        _layer = layer;
        _store = store;
        _catalog = catalog;
        _logger = logger;
        _loaded = new Lazy<bool>(Load);
    }

    private SemanticLayer Layer => _layer;

    /// <summary>The table name of a rollup for one version of its dataset; the hash ties it to the rollup's definition.</summary>
    public static string TableName(RollupDefinition rollup, string dataset, long version) =>
        $"{dataset}__v{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}__{rollup.Name}__{rollup.Hash}".ToLowerInvariant();

    public static string Relation(string table) => $"{Schema}.{SqlDialect.DuckDb.Quote(table)}";

    /// <summary>The rollups of models over a dataset.</summary>
    public IEnumerable<(RollupDefinition Rollup, SemanticModel Model)> RollupsOf(string dataset) =>
        Layer.Models.Where(m => string.Equals(m.Dataset.Name, dataset, StringComparison.OrdinalIgnoreCase))
            .SelectMany(m => m.Rollups.Select(r => (r, m)));

    /// <summary>True when the rollup's table for that version exists.</summary>
    public bool IsBuilt(RollupDefinition rollup, string dataset, long version)
    {
        _ = _loaded.Value;
        return _built.ContainsKey(TableName(rollup, dataset, version));
    }

    /// <summary>Builds every rollup of the dataset from the version's table (not yet published).</summary>
    public async Task BuildAsync(DatasetDefinition dataset, long version, string versionTable, CancellationToken cancellationToken)
    {
        _ = _loaded.Value;
        var built = new List<string>();
        try
        {
            foreach (var (rollup, model) in RollupsOf(dataset.Name))
            {
                var clock = Stopwatch.StartNew();
                var table = TableName(rollup, dataset.Name, version);
                var select = MetricSqlWriter.RollupSelect(rollup, model, SqlDialect.DuckDb, versionTable);
                using var connection = _store.Open();
                DuckDbStore.Execute(connection, $"DROP TABLE IF EXISTS {Relation(table)}");
                using var command = connection.CreateCommand();
                command.CommandText = $"CREATE TABLE {Relation(table)} AS {select}";
                using var registration = cancellationToken.Register(() => { try { command.Cancel(); } catch (DuckDBException) { } });
                await Task.Run(() => command.ExecuteNonQuery(), cancellationToken);
                built.Add(table);
                // CREATE TABLE AS reports no row count of its own: count what was written.
                using var count = connection.CreateCommand();
                count.CommandText = $"SELECT count(*) FROM {Relation(table)}";
                var rows = Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                _built[table] = 0;
                SemanticLog.RollupBuilt(_logger, rollup.Name, dataset.Name, version, rows, clock.ElapsedMilliseconds);
            }
        }
        catch
        {
            // A version whose rollups could not all be built is not published; leave nothing of it behind.
            foreach (var table in built) Drop(table);
            throw;
        }
    }

    /// <summary>Drops the rollups of a version once the version itself is dropped.</summary>
    public void DropVersion(string dataset, long version)
    {
        _ = _loaded.Value;
        var prefix = $"{dataset}__v{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}__".ToLowerInvariant();
        foreach (var table in _built.Keys.Where(t => t.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && Owner(t) == (dataset.ToLowerInvariant(), version)).ToList())
            Drop(table);
    }

    private void Drop(string table)
    {
        try
        {
            using var connection = _store.Open();
            DuckDbStore.Execute(connection, $"DROP TABLE IF EXISTS {Relation(table)}");
            _built.TryRemove(table, out _);
        }
        catch (DuckDBException e)
        {
            SemanticLog.RollupDropFailed(_logger, e, table);
        }
    }

    /// <summary>
    /// Learns which rollup tables exist, and drops those no retained version or current definition needs (a
    /// rollup removed from the model, or built for a version retention has since dropped).
    /// </summary>
    private bool Load()
    {
        using var connection = _store.Open();
        DuckDbStore.Execute(connection, $"CREATE SCHEMA IF NOT EXISTS {Schema}");
        var tables = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT table_name FROM information_schema.tables WHERE table_schema = '{Schema}'";
            using var reader = command.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var model in Layer.Models.Where(m => m.Rollups.Count > 0))
            foreach (var version in _catalog.Retained(model.Dataset.Name))
                foreach (var rollup in model.Rollups)
                    wanted.Add(TableName(rollup, model.Dataset.Name, version.Version));
        foreach (var table in tables)
        {
            if (wanted.Contains(table)) _built[table] = 0;
            else
            {
                DuckDbStore.Execute(connection, $"DROP TABLE IF EXISTS {Relation(table)}");
                SemanticLog.RollupDropped(_logger, table);
            }
        }
        return true;
    }

    /// <summary>The dataset and version a rollup table belongs to, from the names of the rollups defined now.</summary>
    private (string Dataset, long Version)? Owner(string table)
    {
        foreach (var model in Layer.Models)
            foreach (var rollup in model.Rollups)
            {
                var suffix = $"__{rollup.Name}__{rollup.Hash}".ToLowerInvariant();
                if (!table.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) continue;
                var head = table[..^suffix.Length];
                var at = head.LastIndexOf("__v", StringComparison.Ordinal);
                if (at > 0 && long.TryParse(head[(at + 3)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v))
                    return (head[..at], v);
            }
        return null;
    }
}
