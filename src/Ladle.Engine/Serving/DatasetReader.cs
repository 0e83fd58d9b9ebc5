using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Sql;
using Ladle.Engine.Store;
using Ladle.Engine.Versions;

namespace Ladle.Engine.Serving;

/// <summary>
/// Reads of datasets where their data is: a table dataset's published version (leased until the answer is
/// disposed), a live dataset's source (the whole query pushed down), and trusted SQL over the store. The read
/// pipeline compiles and executes through it; it holds only the store, the connectors, the catalog and the schemas.
/// </summary>
public sealed partial class DatasetReader(ProjectDefinition project, DuckDbStore store, SourceConnectors connectors, VersionCatalog catalog, DatasetSchemas schemas)
{
    private readonly ProjectDefinition _project = project;
    private readonly DuckDbStore _store = store;
    private readonly SourceConnectors _connectors = connectors;
    private readonly VersionCatalog _catalog = catalog;
    private readonly DatasetSchemas _schemas = schemas;

    /// <summary>
    /// Streams rows of a dataset. Table datasets read the published version (leased until the stream is
    /// disposed); live datasets push the whole query down to their source.
    /// </summary>
    public async Task<ResultStream> ReadRowsAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken)
    {
        var schema = await _schemas.GetAsync(dataset, cancellationToken);
        var projection = query.Columns.Count > 0 ? query.Columns : schema.Names.ToList();
        // A hashed or partially masked column is text whatever its type was.
        var resultSchema = new ResultSchema(projection.Select(n =>
        {
            var column = schema.Find(n)!;
            var type = query.Masks.TryGetValue(n, out var mask) && mask != MaskKind.Redact ? LadleType.String : column.Type;
            return new ResultColumn(column.Name, type);
        }).ToList());

        if (dataset.Materialization == Materialization.Table)
        {
            var (relation, version, lease) = await OpenVersionAsync(dataset, query, cancellationToken);
            try
            {
                var (source, precomputed) = _store.Masks.For(dataset.Name, version.Version, relation, query);
                var statement = SelectBuilder.Build(SqlDialect.DuckDb, source, schema, query, dataset.PrimaryKey, precomputed);
                var inner = await _connectors.Store.QueryAsync(statement, resultSchema, cancellationToken);
                return new OwnedResultStream(inner, lease) { Version = version };
            }
            catch
            {
                lease?.Dispose();
                throw;
            }
        }

        var connector = _connectors.For(dataset);
        var live = SelectBuilder.Build(connector.Dialect, connector.Relation(dataset), schema, query, dataset.PrimaryKey);
        return await connector.QueryAsync(live, resultSchema, cancellationToken);
    }

    /// <summary>
    /// How many rows <paramref name="query"/> answers, counted where the data is (the same statement, policy and
    /// version as a read of it); a query with a limit counts at most that many.
    /// </summary>
    public async Task<long> CountRowsAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken)
    {
        var schema = await _schemas.GetAsync(dataset, cancellationToken);
        var counted = new ResultSchema([new ResultColumn("n", LadleType.Integer)]);
        SourceConnector connector;
        SqlStatement statement;
        IDisposable? lease = null;
        if (dataset.Materialization == Materialization.Table)
        {
            (var relation, var version, lease) = await OpenVersionAsync(dataset, query, cancellationToken);
            connector = _connectors.Store;
            var (source, precomputed) = _store.Masks.For(dataset.Name, version.Version, relation, query);
            statement = SelectBuilder.Build(SqlDialect.DuckDb, source, schema, query, dataset.PrimaryKey, precomputed);
        }
        else
        {
            connector = _connectors.For(dataset);
            statement = SelectBuilder.Build(connector.Dialect, connector.Relation(dataset), schema, query, dataset.PrimaryKey);
        }
        using (lease)
        {
            await using var result = await connector.QueryAsync(statement with { Text = $"SELECT count(*) AS n FROM ({statement.Text}) AS counted" }, counted, cancellationToken);
            var batch = await result.ReadAsync(cancellationToken);
            return batch is { Count: > 0 } && !batch.Columns[0].Nulls[0] ? batch.Columns[0].Int64s[0] : 0;
        }
    }

    /// <summary>
    /// The rows query as an export DuckDB can encode itself, when the data is in DuckDB's reach (published
    /// versions, SQL over datasets, files); null otherwise. The statement is bound once here, so an error
    /// (a missing file) is raised before any byte of the answer is sent.
    /// </summary>
    public async Task<NativeExport?> TryOpenNativeExportAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken)
    {
        if (!NativeExport.Supported) return null;
        var connector = _connectors.For(dataset);
        if (dataset.Materialization != Materialization.Table && connector is not (StoreConnector or FilesConnector)) return null;
        var schema = await _schemas.GetAsync(dataset, cancellationToken);
        IDisposable? lease = null;
        try
        {
            string relation;
            DataVersion? version = null;
            if (dataset.Materialization == Materialization.Table) (relation, version, lease) = await OpenVersionAsync(dataset, query, cancellationToken);
            else relation = connector.Relation(dataset);
            IReadOnlyDictionary<string, string>? precomputed = null;
            if (version is not null) (relation, precomputed) = _store.Masks.For(dataset.Name, version.Version, relation, query);
            var statement = SelectBuilder.Build(SqlDialect.DuckDb, relation, schema, query, dataset.PrimaryKey, precomputed);
            ResultSchema columns;
            await using (var probe = await _connectors.Store.QueryAsync(statement with { Text = $"SELECT * FROM ({statement.Text}) AS bound LIMIT 0" }, null, cancellationToken))
                columns = probe.Schema;
            return new NativeExport(_store, statement, columns, version, lease, _project.Server.StatementTimeout);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The rows query as a statement over the served version of a table dataset, leased until the relation is
    /// disposed, for a sink that runs it in the store itself (a sync's diff); the statement is bound once here.
    /// </summary>
    public async Task<StoreRelation> OpenInStoreAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken)
    {
        if (dataset.Materialization != Materialization.Table)
            throw new InvalidRequestException($"'{dataset.Name}' is live: only a published version can be read in the store", "dataset");
        var schema = await _schemas.GetAsync(dataset, cancellationToken);
        var (relation, version, lease) = await OpenVersionAsync(dataset, query, cancellationToken);
        try
        {
            var (source, precomputed) = _store.Masks.For(dataset.Name, version.Version, relation, query);
            var statement = SelectBuilder.Build(SqlDialect.DuckDb, source, schema, query, dataset.PrimaryKey, precomputed);
            ResultSchema columns;
            await using (var probe = await _connectors.Store.QueryAsync(statement with { Text = $"SELECT * FROM ({statement.Text}) AS bound LIMIT 0" }, null, cancellationToken))
                columns = probe.Schema;
            return new StoreRelation(_store, statement, columns, version, lease);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The table to read for a table dataset: the served version (leased), a retained one a cursor pinned
    /// (leased), or a quarantined one its owner asked to inspect (kept until retention, so not leased).
    /// </summary>
    /// <summary>
    /// Leases the version a query reads (a cursor's pinned one, else the served one); a pinned version this node never
    /// had but that is still retained (it joined later) is loaded from shared storage first.
    /// </summary>
    private async Task<(string Relation, DataVersion Version, IDisposable? Lease)> OpenVersionAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken)
    {
        await _catalog.EnsureRetainedAsync(dataset.Name, query.PinnedVersion, cancellationToken);
        return OpenVersion(dataset, query.PinnedVersion, query.PinnedPublishedAt);
    }

    private (string Relation, DataVersion Version, IDisposable? Lease) OpenVersion(DatasetDefinition dataset, long? pinned, long? pinnedPublishedAt = null)
    {
        if (pinned is { } v && _catalog.Quarantine(dataset.Name, v) is { } quarantined)
        {
            var inspected = new DataVersion(dataset.Name, v, quarantined.At);
            RefuseOtherVersion(inspected, pinnedPublishedAt);
            return (DuckDbStore.VersionTable(dataset.Name, v), inspected, null);
        }
        var lease = _catalog.Acquire(dataset.Name, pinned);
        try
        {
            RefuseOtherVersion(lease.Version, pinnedPublishedAt);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
        return (DuckDbStore.VersionTable(dataset.Name, lease.Version.Version), lease.Version, lease);
    }

    /// <summary>A cursor names its version by number and publication time: the same number published another time is other data.</summary>
    private static void RefuseOtherVersion(DataVersion version, long? pinnedPublishedAt)
    {
        if (pinnedPublishedAt is { } at && version.PublishedAt.ToUnixTimeMilliseconds() != at)
            throw new GoneException(
                $"the cursor was issued for another version {version.Version} of dataset '{version.Dataset}' (published " +
                $"{DateTimeOffset.FromUnixTimeMilliseconds(at).UtcDateTime:yyyy-MM-dd HH:mm:ss}Z), which is no longer served; start again without the cursor");
    }

    /// <summary>Runs trusted SQL (from the CLI's owner) in the store, where every dataset is a view.</summary>
    public Task<ResultStream> QueryStoreAsync(string sql, CancellationToken cancellationToken) =>
        _connectors.Store.QueryAsync(new SqlStatement(sql, []), null, cancellationToken);
}
