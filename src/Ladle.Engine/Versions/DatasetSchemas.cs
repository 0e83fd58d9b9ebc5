using System.Collections.Concurrent;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Sources;
using Ladle.Engine.Store;

namespace Ladle.Engine.Versions;

/// <summary>
/// The served columns of each dataset: its declared contract, or what the published version (table) or the source
/// (live) reports, asked once per version and forgotten when a new version publishes.
/// </summary>
public sealed class DatasetSchemas
{
    private readonly ConcurrentDictionary<(string Dataset, long Version), DatasetSchema> _schemas = new();
    private readonly VersionCatalog _catalog;
    private readonly SourceConnectors _connectors;

    public DatasetSchemas(VersionCatalog catalog, SourceConnectors connectors)
    {
        _catalog = catalog;
        _connectors = connectors;
        catalog.Changed += (_, change) =>
        {
            if (change.Kind == VersionChangeKind.Published) Forget(change.Dataset);
        };
    }

    /// <summary>The served columns of <paramref name="dataset"/>; 503 for a table dataset without declared columns that never published.</summary>
    public async Task<DatasetSchema> GetAsync(DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        if (dataset.Columns.Count > 0)
            return _schemas.GetOrAdd((dataset.Name, -1), _ => new DatasetSchema(
                dataset.Columns.Select(c => new SchemaColumn(c.Name, c.Type, c.Pii, c.Description, c.Mask)).ToList()));
        var version = dataset.Materialization == Materialization.Table ? _catalog.Current(dataset.Name) : null;
        if (dataset.Materialization == Materialization.Table && version is null)
            throw new DatasetUnavailableException(dataset.Name,
                $"dataset '{dataset.Name}' has no published version yet, so its columns are unknown; run 'ladle materialize {dataset.Name}'");
        var key = (dataset.Name, version?.Version ?? 0);
        if (_schemas.TryGetValue(key, out var cached)) return cached;
        var described = version is not null
            ? await _connectors.Store.DescribeRelationAsync(DuckDbStore.VersionTable(dataset.Name, version.Version), cancellationToken)
            : await _connectors.For(dataset).DescribeAsync(dataset, cancellationToken);
        var schema = new DatasetSchema(described.Columns.Select(c => new SchemaColumn(c.Name, c.Type)).ToList());
        _schemas[key] = schema;
        return schema;
    }

    private void Forget(string dataset)
    {
        foreach (var key in _schemas.Keys.Where(k => string.Equals(k.Dataset, dataset, StringComparison.OrdinalIgnoreCase)))
            _schemas.TryRemove(key, out _);
    }
}
