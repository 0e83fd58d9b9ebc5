using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Sql;
using Ladle.Engine.State;
using Ladle.Engine.Store;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Engine;

/// <summary>
/// One loaded project at work: its store, state, sources and published versions. Every interface reads through
/// <see cref="ReadRowsAsync"/> and every publication goes through <see cref="Publisher"/>.
/// </summary>
public sealed partial class LadleEngine : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly PendingDrops _drops = new();
    private readonly ReadScheduler _reads;

    // The engine composes its parts and hands each what it needs; no part takes the engine back.
    private LadleEngine(ProjectDefinition project, IStateStore state, DuckDbStore store, WriteHealth writes, ILoggerFactory loggers)
    {
        Project = project;
        State = state;
        Store = store;
        Writes = writes;
        Loggers = loggers;
        _logger = loggers.CreateLogger("Ladle.Engine");
        _reads = new ReadScheduler(project.Server.MaxConcurrentReads);
        Connectors = new SourceConnectors(project, store, _reads);
        Catalog = new VersionCatalog(DropVersion, logger: _logger);
        Schemas = new DatasetSchemas(Catalog, Connectors);
        Checks = new Checks.CheckRunner(project, Connectors, Catalog, state);
        Semantic = new Semantic.MetricsEngine(project, store, Connectors, Catalog, loggers.CreateLogger("Ladle.Semantic"));
        Publisher = new Publisher(project, store, state, Connectors, Catalog, Checks, Semantic, writes, loggers.CreateLogger("Ladle.Publisher"));
    }

    public ProjectDefinition Project { get; }
    public IStateStore State { get; }
    public DuckDbStore Store { get; }

    /// <summary>
    /// The served, retained and quarantined versions of every dataset, their leases and trust status; publication,
    /// retention and recovery go through it, and its Changed event tells watchers.
    /// </summary>
    public VersionCatalog Catalog { get; }

    /// <summary>The served columns of each dataset.</summary>
    public DatasetSchemas Schemas { get; }

    /// <summary>The trust gate's knowledge (the catalog's): newest attempts and warnings of served versions.</summary>
    public Trust.TrustRegistry Trust => Catalog.Trust;

    /// <summary>Runs datasets' checks (the audit of write-audit-publish, and `ladle checks run`).</summary>
    public Checks.CheckRunner Checks { get; }
    public Publisher Publisher { get; }

    /// <summary>The connectors of the project's sources and of the store.</summary>
    public SourceConnectors Connectors { get; }

    /// <summary>The embedded store as a place to run SQL.</summary>
    public StoreConnector StoreConnector => Connectors.Store;

    /// <summary>Where the engine's parts log, so background work (the scheduler) logs beside publication.</summary>
    internal ILoggerFactory Loggers { get; }
    /// <summary>Metric queries over the project's semantic layer: planning, execution, cache and rollups.</summary>
    public Semantic.MetricsEngine Semantic { get; }

    /// <summary>
    /// Whether Ladle's own files can be written right now (a full disk says no); reads never depend on it.
    /// </summary>
    public WriteHealth Writes { get; }

    /// <summary>Opens the store and state of a project and recovers from any interrupted run.</summary>
    /// <exception cref="StorageFullException">The disk holding the state or the store has no room for what start-up must write.</exception>
    public static async Task<LadleEngine> OpenAsync(ProjectDefinition project, IStateStore? state = null, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        loggers ??= NullLoggerFactory.Instance;
        // A missing state file is only a new project when the store is new too; otherwise creating an empty state
        // would make recovery drop every version, so refuse before the file is created.
        var stateMissing = state is null && !StateStoreFactory.Exists(project);
        DuckDbStore store;
        try
        {
            store = new DuckDbStore(project.StorePath, loggers.CreateLogger("Ladle.Store"));
        }
        catch (DuckDB.NET.Data.DuckDBException e) when (StorageErrors.Translate(e, project.StorePath) is { } full)
        {
            throw full;
        }
        if (stateMissing && store.HoldsVersions)
        {
            var held = VersionRanges.Describe(store.Manifest.List().Select(m => (m.Version.Dataset, m.Version.Version))
                .Concat(store.ListVersionTables().Select(DuckDbStore.ParseVersionTableName).OfType<(string, long)>()));
            store.Dispose();
            throw RecoveryRefusedException.StateMissing(project.StatePath, project.StorePath, held);
        }
        var writes = new WriteHealth();
        GuardedStateStore guarded;
        try
        {
            state ??= StateStoreFactory.Create(project);
            guarded = StateStoreFactory.Guard(state, writes, TimeProvider.System, loggers.CreateLogger("Ladle.State"));
            await guarded.InitializeAsync(cancellationToken);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        var engine = new LadleEngine(project, guarded, store, writes, loggers);
        try
        {
            await engine.RecoverAsync(cancellationToken);
        }
        catch (Exception e)
        {
            await engine.DisposeAsync();
            if (e is DuckDB.NET.Data.DuckDBException && StorageErrors.Translate(e, project.StorePath) is { } full) throw full;
            throw;
        }
        return engine;
    }

    /// <summary>The dataset by name, or a 404 that suggests the closest name.</summary>
    public DatasetDefinition GetDataset(string name) => Project.GetDataset(name);

    /// <summary>The connector a dataset's source reads through (the store for SQL over datasets).</summary>
    public SourceConnector ConnectorFor(DatasetDefinition dataset) => Connectors.For(dataset);

    /// <summary>
    /// The served columns of a dataset: its declared contract, or what the published version (table) or the
    /// source (live) reports.
    /// </summary>
    public Task<DatasetSchema> GetSchemaAsync(DatasetDefinition dataset, CancellationToken cancellationToken) =>
        Schemas.GetAsync(dataset, cancellationToken);

    /// <summary>
    /// Streams rows of a dataset. Table datasets read the published version (leased until the stream is
    /// disposed); live datasets push the whole query down to their source.
    /// </summary>
    public async Task<ResultStream> ReadRowsAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken)
    {
        var schema = await GetSchemaAsync(dataset, cancellationToken);
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
            var (relation, version, lease) = OpenVersion(dataset, query.PinnedVersion, query.PinnedPublishedAt);
            try
            {
                var (source, precomputed) = Store.Masks.For(dataset.Name, version.Version, relation, query);
                var statement = SelectBuilder.Build(SqlDialect.DuckDb, source, schema, query, dataset.PrimaryKey, precomputed);
                var inner = await StoreConnector.QueryAsync(statement, resultSchema, cancellationToken);
                return new OwnedResultStream(inner, lease) { Version = version };
            }
            catch
            {
                lease?.Dispose();
                throw;
            }
        }

        var connector = ConnectorFor(dataset);
        var live = SelectBuilder.Build(connector.Dialect, connector.Relation(dataset), schema, query, dataset.PrimaryKey);
        return await connector.QueryAsync(live, resultSchema, cancellationToken);
    }

    /// <summary>
    /// How many rows <paramref name="query"/> answers, counted where the data is (the same statement, policy and
    /// version as a read of it); a query with a limit counts at most that many.
    /// </summary>
    public async Task<long> CountRowsAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken)
    {
        var schema = await GetSchemaAsync(dataset, cancellationToken);
        var counted = new ResultSchema([new ResultColumn("n", LadleType.Integer)]);
        SourceConnector connector;
        SqlStatement statement;
        IDisposable? lease = null;
        if (dataset.Materialization == Materialization.Table)
        {
            (var relation, var version, lease) = OpenVersion(dataset, query.PinnedVersion, query.PinnedPublishedAt);
            connector = StoreConnector;
            var (source, precomputed) = Store.Masks.For(dataset.Name, version.Version, relation, query);
            statement = SelectBuilder.Build(SqlDialect.DuckDb, source, schema, query, dataset.PrimaryKey, precomputed);
        }
        else
        {
            connector = ConnectorFor(dataset);
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
        var connector = ConnectorFor(dataset);
        if (dataset.Materialization != Materialization.Table && connector is not (Sources.StoreConnector or FilesConnector)) return null;
        var schema = await GetSchemaAsync(dataset, cancellationToken);
        IDisposable? lease = null;
        try
        {
            string relation;
            DataVersion? version = null;
            if (dataset.Materialization == Materialization.Table) (relation, version, lease) = OpenVersion(dataset, query.PinnedVersion, query.PinnedPublishedAt);
            else relation = connector.Relation(dataset);
            IReadOnlyDictionary<string, string>? precomputed = null;
            if (version is not null) (relation, precomputed) = Store.Masks.For(dataset.Name, version.Version, relation, query);
            var statement = SelectBuilder.Build(SqlDialect.DuckDb, relation, schema, query, dataset.PrimaryKey, precomputed);
            ResultSchema columns;
            await using (var probe = await StoreConnector.QueryAsync(statement with { Text = $"SELECT * FROM ({statement.Text}) AS bound LIMIT 0" }, null, cancellationToken))
                columns = probe.Schema;
            return new NativeExport(Store, statement, columns, version, lease, Project.Server.StatementTimeout);
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
    private (string Relation, DataVersion Version, IDisposable? Lease) OpenVersion(DatasetDefinition dataset, long? pinned, long? pinnedPublishedAt = null)
    {
        if (pinned is { } v && Catalog.Quarantine(dataset.Name, v) is { } quarantined)
        {
            var inspected = new DataVersion(dataset.Name, v, quarantined.At);
            RefuseOtherVersion(inspected, pinnedPublishedAt);
            return (DuckDbStore.VersionTable(dataset.Name, v), inspected, null);
        }
        var lease = Catalog.Acquire(dataset.Name, pinned);
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
        StoreConnector.QueryAsync(new SqlStatement(sql, []), null, cancellationToken);

    private void DropVersion(string dataset, long version)
    {
        // Runs when the last reader of a retired version lets go; never on the reader's own path. Disposing waits for it.
        _drops.Start(async () =>
        {
            try
            {
                Store.DropVersion(dataset, version);
                Semantic.Rollups.DropVersion(dataset, version);
                await State.MarkDroppedAsync(dataset, version, CancellationToken.None);
                Store.Manifest.MarkDropped(dataset, version);
                Catalog.Dropped(dataset, version);
            }
            catch (Exception e)
            {
                Log.DropFailed(_logger, e, dataset, version);
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _drops.DrainAsync();
        await Connectors.DisposeAsync();
        Store.Dispose();
        await State.DisposeAsync();
        _reads.Dispose();
    }
}
