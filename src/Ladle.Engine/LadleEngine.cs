using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.Serving;
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
/// <see cref="Reader"/> and every publication goes through <see cref="Publisher"/>.
/// </summary>
public sealed partial class LadleEngine : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly PendingDrops _drops = new();
    private readonly ReadScheduler _reads;

    // The engine composes its parts and hands each what it needs; no part takes the engine back.
    private LadleEngine(ProjectDefinition project, IStateStore state, DuckDbStore store, WriteHealth writes, ILoggerFactory loggers, IStateStore unguarded)
    {
        Changes = unguarded as IStateChangeFeed;
        RateCounter = unguarded as ISharedRateCounter;
        RunClaims = unguarded as IRunClaims;
        Shared = project.Storage is { Kind: VersionStorageKind.Folder, Path: { } shared } ? new FolderVersionStorage(shared, project.Storage.Location?.ToString()) : null;
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
        Publisher = new Publisher(project, store, state, Connectors, Catalog, Checks, Semantic, writes, loggers.CreateLogger("Ladle.Publisher"), Shared);
        if (Shared is not null) Catalog.LoadRetained = Publisher.LoadRetainedAsync;
        Follower = new VersionFollower(project, state, Catalog, Publisher, loggers.CreateLogger("Ladle.Nodes"));
        Reader = new DatasetReader(project, store, Connectors, Catalog, Schemas);
    }

    public ProjectDefinition Project { get; }

    /// <summary>Where versions are shared with other nodes (<c>storage:</c>), or null when they live in this node's store only.</summary>
    public IVersionStorage? Shared { get; }

    /// <summary>What other nodes change in the shared state, as they tell it (PostgreSQL state only; null otherwise).</summary>
    public IStateChangeFeed? Changes { get; }

    /// <summary>Rate-limit counters every node shares (PostgreSQL state only; null: each process counts its own).</summary>
    public ISharedRateCounter? RateCounter { get; }

    /// <summary>Runs claimed once across nodes, so that several nodes make one scheduler (PostgreSQL state only; null otherwise).</summary>
    public IRunClaims? RunClaims { get; }

    /// <summary>Applies other nodes' changes to this node's catalog (<see cref="Changes"/> drives it while serving).</summary>
    public VersionFollower Follower { get; }
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
    public ILoggerFactory Loggers { get; }
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
        var engine = new LadleEngine(project, guarded, store, writes, loggers, state);
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

    /// <summary>Reads of datasets and SQL over the store: rows, counts and native exports of leased versions.</summary>
    public DatasetReader Reader { get; }

    /// <inheritdoc cref="DatasetReader.ReadRowsAsync"/>
    public Task<ResultStream> ReadRowsAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken) =>
        Reader.ReadRowsAsync(dataset, query, cancellationToken);

    /// <inheritdoc cref="DatasetReader.CountRowsAsync"/>
    public Task<long> CountRowsAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken) =>
        Reader.CountRowsAsync(dataset, query, cancellationToken);

    /// <inheritdoc cref="DatasetReader.TryOpenNativeExportAsync"/>
    public Task<NativeExport?> TryOpenNativeExportAsync(DatasetDefinition dataset, RowsQuery query, CancellationToken cancellationToken) =>
        Reader.TryOpenNativeExportAsync(dataset, query, cancellationToken);

    /// <inheritdoc cref="DatasetReader.QueryStoreAsync"/>
    public Task<ResultStream> QueryStoreAsync(string sql, CancellationToken cancellationToken) =>
        Reader.QueryStoreAsync(sql, cancellationToken);

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
                // Retired here, so retired everywhere (every node retains the same count): its shared files go too.
                // Readers on other nodes read their own loaded copy, never these files, so none is cut off.
                if (Shared is not null)
                {
                    try { await Shared.DeleteAsync(dataset, version, CancellationToken.None); }
                    catch (SharedStorageException e) { Log.SharedDeleteFailed(_logger, e, dataset, version); }
                }
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
