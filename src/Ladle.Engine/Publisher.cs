using System.Collections.Concurrent;
using System.Diagnostics;
using DuckDB.NET.Data;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Checks;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Sql;
using Ladle.Engine.State;
using Ladle.Engine.Store;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine;

/// <summary>Progress of one materialization, for progress bars.</summary>
public sealed record MaterializeProgress(string Dataset, string Phase, long Rows)
{
    /// <summary>True for the last report of a build: published, quarantined or failed (a progress bar stops here).</summary>
    public bool IsFinal => Phase is "published" or "quarantined" or "failed";
}

/// <summary>
/// The write path: materialize a dataset into a new version beside the served one, then publish it in one
/// step. A reader never sees a half-written version; a failure leaves the previous version served.
/// </summary>
public sealed class Publisher
{
    private readonly ProjectDefinition _project;
    private readonly DuckDbStore _store;
    private readonly IStateStore _state;
    private readonly SourceConnectors _connectors;
    private readonly VersionCatalog _catalog;
    private readonly CheckRunner _checks;
    private readonly Semantic.MetricsEngine _semantic;
    private readonly WriteHealth _writes;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.OrdinalIgnoreCase);
    private readonly IVersionStorage? _shared;
    // Versions of other nodes this node could not load: said once each, while every reconcile tries again.
    private readonly ConcurrentDictionary<(string Dataset, long Version), bool> _unloadable = new();

    /// <summary>A publisher over a project's store and state; publications go through <paramref name="catalog"/>.</summary>
    public Publisher(ProjectDefinition project, DuckDbStore store, IStateStore state, SourceConnectors connectors, VersionCatalog catalog,
        CheckRunner checks, Semantic.MetricsEngine semantic, WriteHealth writes, ILogger logger, IVersionStorage? shared = null)
    {
        _shared = shared;
        _project = project;
        _store = store;
        _state = state;
        _connectors = connectors;
        _catalog = catalog;
        _checks = checks;
        _semantic = semantic;
        _writes = writes;
        _logger = logger;
    }

    /// <summary>
    /// Materializes the named datasets (all table datasets when none are named) with what they depend on, in
    /// dependency order. A dataset whose dependency failed is skipped, not built on top of stale input.
    /// </summary>
    public async Task<IReadOnlyList<RunOutcome>> MaterializeAsync(
        IReadOnlyCollection<string> names, string trigger, IProgress<MaterializeProgress>? progress, CancellationToken cancellationToken) =>
        await RunOrder.RunAsync(RunOrder.Plan(_project, names), dataset => MaterializeOneAsync(dataset, trigger, progress, cancellationToken));

    /// <summary>
    /// Raised after each attempt to materialize a dataset ends (published, quarantined or failed), so that watchers
    /// such as the incident monitor look at its status now rather than at their next tick. Handlers run on the
    /// publishing path: they must only signal and return; one that throws is logged and ignored.
    /// </summary>
    public event Action<RunOutcome>? Materialized;

    /// <summary>
    /// Materializes one dataset; at most one run per dataset at a time. With <paramref name="cut"/>, the version is that
    /// cut of the dataset's append-only store table (a view, not a copy: see <see cref="AppendCut"/>).
    /// </summary>
    public async Task<RunOutcome> MaterializeOneAsync(DatasetDefinition dataset, string trigger, IProgress<MaterializeProgress>? progress, CancellationToken cancellationToken,
        AppendCut? cut = null)
    {
        var gate = _locks.GetOrAdd(dataset.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        RunOutcome result;
        try
        {
            result = await BuildUnderLeaseAsync(dataset, trigger, progress, cut, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
        Notify(result);
        return result;
    }

    /// <summary>How long a build's run lease lasts without renewal: a node killed mid-build frees the dataset after this.</summary>
    public static TimeSpan RunLeaseDuration { get; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Builds under the dataset's run lease (named after the dataset), so that of every process and node sharing the
    /// state one builds it at a time: a dataset another holds is not built twice (the run fails as a conflict and its
    /// holder publishes), and a build whose lease is lost (not renewed in time) stops before it publishes.
    /// </summary>
    private async Task<RunOutcome> BuildUnderLeaseAsync(DatasetDefinition dataset, string trigger, IProgress<MaterializeProgress>? progress, AppendCut? cut, CancellationToken cancellationToken)
    {
        HeldRunLease? held;
        RunLease? holder;
        try
        {
            (held, holder) = await HeldRunLease.TryTakeAsync(_state, dataset.Name, RunLeaseDuration, TimeProvider.System, _logger, cancellationToken);
        }
        catch (LadleException e) when (e is StorageFullException or StateUnavailableException)
        {
            // Not even the lease could be taken: nothing was built, the served version stays.
            Log.BeginFailed(_logger, dataset.Name, e.Message);
            progress?.Report(new MaterializeProgress(dataset.Name, "failed", 0));
            return new RunOutcome(dataset.Name, e is StorageFullException ? RunStatus.Failed : RunStatus.SourceUnavailable, null, 0, TimeSpan.Zero, e.Message)
            {
                Category = e.Category,
            };
        }
        if (held is null)
        {
            var owner = holder?.Owner ?? "another process";
            Log.RunLeaseBusy(_logger, dataset.Name, owner);
            progress?.Report(new MaterializeProgress(dataset.Name, "failed", 0));
            return new RunOutcome(dataset.Name, RunStatus.Failed, null, 0, TimeSpan.Zero,
                $"another process is building '{dataset.Name}' right now ({owner} holds its run lease); its version is served once it publishes, or ask again after it finishes")
            {
                Category = ErrorCategory.Conflict,
                HeldBy = owner,
            };
        }
        await using (held)
        {
            using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, held.Lost);
            try
            {
                return await BuildAndPublishAsync(dataset, trigger, progress, cut, run.Token);
            }
            catch (OperationCanceledException) when (held.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return new RunOutcome(dataset.Name, RunStatus.Interrupted, null, 0, TimeSpan.Zero,
                    $"interrupted: this process lost the run lease of '{dataset.Name}' (it could not renew it in time), so it stopped before publishing; the run is owed");
            }
        }
    }

    /// <summary>
    /// Waits until no live process holds the dataset's run lease (its build ended, or its node died and the lease
    /// expired or names a process of this machine that is gone), so that a run asked for meanwhile can build.
    /// </summary>
    public async Task WaitForRunLeaseAsync(string dataset, CancellationToken cancellationToken)
    {
        while (await _state.FindRunLeaseAsync(dataset, cancellationToken) is { } lease && !RunLeaseOwner.IsGone(lease.Owner))
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
    }

    private void Notify(RunOutcome result)
    {
        if (Materialized is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Action<RunOutcome>>())
        {
            // A watcher's bug must never turn a publication into a failure.
            try { handler(result); }
            catch (Exception e) { Log.MaterializedHandlerFailed(_logger, e, result.Dataset); }
        }
    }

    private async Task<RunOutcome> BuildAndPublishAsync(DatasetDefinition dataset, string trigger, IProgress<MaterializeProgress>? progress, AppendCut? cut, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        VersionRecord record;
        try
        {
            record = await _state.BeginVersionAsync(dataset.Name, trigger, DateTimeOffset.UtcNow, cancellationToken);
        }
        catch (StorageFullException full)
        {
            // Not even the attempt could be recorded: nothing was built, the served version stays.
            Log.BeginFailed(_logger, dataset.Name, full.Message);
            progress?.Report(new MaterializeProgress(dataset.Name, "failed", 0));
            return new RunOutcome(dataset.Name, RunStatus.Failed, null, 0, clock.Elapsed, full.Message) { Category = ErrorCategory.StorageFull };
        }
        var table = DuckDbStore.VersionTable(dataset.Name, record.Version);
        try
        {
            // The store records the attempt before its table exists, so it can always explain the table (and never
            // hands its number out again), even if the state file is lost.
            _store.Manifest.Record(record, DefinitionHash(dataset));
            progress?.Report(new MaterializeProgress(dataset.Name, "loading", 0));
            var rejected = cut is null ? await LoadAsync(dataset, record.Version, progress, cancellationToken) : CutView(dataset, table, cut);
            var (rows, watermark) = cut is null ? Measure(dataset, table) : (cut.Rows, cut.Watermark);

            // Audit: the version's checks run in the store before anyone can read it.
            progress?.Report(new MaterializeProgress(dataset.Name, "checking", rows));
            var checks = await _checks.RunAsync(dataset, new CheckTarget(_connectors.Store, table, record.Version, DateTimeOffset.UtcNow), cancellationToken);
            if (rejected is not null) checks = [BadRowsCheck.Result(dataset, record.Version, rows, rejected), .. checks];
            await _state.RecordCheckResultsAsync(checks, CancellationToken.None);
            var blocking = checks.Where(c => c.Blocks).ToList();
            if (blocking.Count > 0)
            {
                // Every reader of the dataset sees this reason (the status of what it reads): it names the checks,
                // while their figures, counted over every row, stay in the check results.
                var reason = $"{blocking.Count} error check(s) failed: " + string.Join(", ", blocking.Select(b => b.Check));
                var at = DateTimeOffset.UtcNow;
                await _state.QuarantineVersionAsync(dataset.Name, record.Version, rows, reason, at, CancellationToken.None);
                RecordInManifest(record with { Status = VersionStatus.Quarantined, FinishedAt = at, RowCount = rows, Error = reason });
                _catalog.Quarantined(dataset.Name, record.Version, reason, at);
                progress?.Report(new MaterializeProgress(dataset.Name, "quarantined", rows));
                Log.Quarantined(_logger, dataset.Name, record.Version, reason);
                return new RunOutcome(dataset.Name, RunStatus.Quarantined, record.Version, rows, clock.Elapsed, "quarantined: " + reason) { Checks = checks };
            }

            await PrepareAsync(dataset, record.Version, rows, progress, cancellationToken, appended: cut is not null);

            // With several nodes, the version is written once to the shared storage, whole, before the state says it is
            // published: no node is ever told of a version whose files are not complete.
            if (_shared is not null)
            {
                progress?.Report(new MaterializeProgress(dataset.Name, "sharing", rows));
                await _shared.WriteAsync(dataset.Name, record.Version,
                    (folder, token) => Task.Run(() =>
                    {
                        using var connection = _store.Open();
                        VersionParquet.Export(connection, dataset.Name, record.Version, folder);
                    }, token), cancellationToken);
            }

            // Publish: the state store is the source of truth, so it changes first; start-up recovery
            // re-points views from it if the process dies between these steps.
            // The last point a stop may still abandon the build: past it, the version is served.
            cancellationToken.ThrowIfCancellationRequested();
            var publishedAt = DateTimeOffset.UtcNow;
            await _state.PublishVersionAsync(dataset.Name, record.Version, rows, watermark, publishedAt, CancellationToken.None);
            RecordInManifest(record with { Status = VersionStatus.Published, FinishedAt = publishedAt, PublishedAt = publishedAt, RowCount = rows, Watermark = watermark });
            _store.PointView(dataset.Name, record.Version);
            _catalog.Publish(new DataVersion(dataset.Name, record.Version, publishedAt), dataset.RetainVersions ?? _project.Server.RetainVersions, checks);
            _writes.Succeeded(_store.DatabasePath);
            progress?.Report(new MaterializeProgress(dataset.Name, "published", rows));
            Log.Published(_logger, dataset.Name, record.Version, rows, clock.ElapsedMilliseconds);
            return new RunOutcome(dataset.Name, RunStatus.Published, record.Version, rows, clock.Elapsed, null) { Checks = checks };
        }
        catch (Exception e) when (e is LadleException or DuckDBException or OperationCanceledException or InvalidOperationException or InvalidCastException or FormatException or OverflowException)
        {
            // Cut short by Ladle stopping (or the CLI's Ctrl+C): nothing is wrong with the data, and the run is owed.
            var interrupted = e is OperationCanceledException;
            // A full disk is named as such, with the file, whichever of the store and the state store ran out.
            var full = StorageErrors.Translate(e, _store.DatabasePath);
            if (full is not null) _writes.Failed(full);
            // Engine messages can quote the value that failed (a row of the source): the reason keeps the error's
            // kind, and the log gets the exception (its stack) only for errors that are not the engine's.
            var category = full is not null ? ErrorCategory.StorageFull : EngineErrors.CategoryOf(e);
            var reason = interrupted ? RunOutcome.InterruptedReason : full?.Message ?? EngineErrors.Describe(e);
            // A definition at fault is named, with its file, so the owner knows what to edit.
            if (!interrupted && category == ErrorCategory.QueryFailed && !reason.StartsWith($"dataset '{dataset.Name}'", StringComparison.Ordinal))
                reason = $"dataset '{dataset.Name}' ({dataset.File}): {reason}";
            // Only `ladle materialize` (the owner at a terminal) shows the value that broke the contract: the recorded
            // reason and the server log (read by operators, shipped to log stores) name the file, line and column.
            var detail = e is SourceDataException { Detail: var quoted } && quoted != e.Message ? quoted : null;
            var status = interrupted ? VersionStatus.Interrupted : VersionStatus.Failed;
            Log.MaterializationFailed(_logger, e is LadleException or OperationCanceledException || EngineErrors.IsEngineError(e) ? null : e, dataset.Name, record.Version, reason);
            try { _store.DropVersion(dataset.Name, record.Version); }
            catch (DuckDBException) { /* recovery at the next start drops it */ }
            var failedAt = DateTimeOffset.UtcNow;
            // A failure is held in memory by the state store and written once there is room, should the disk be full.
            if (interrupted) await _state.InterruptVersionAsync(dataset.Name, record.Version, reason, failedAt, CancellationToken.None);
            else await _state.FailVersionAsync(dataset.Name, record.Version, reason, failedAt, CancellationToken.None);
            RecordInManifest(record with { Status = status, FinishedAt = failedAt, Error = reason });
            _catalog.AttemptEnded(dataset.Name, record.Version, status, failedAt, reason);
            progress?.Report(new MaterializeProgress(dataset.Name, "failed", 0));
            if (e is OperationCanceledException) throw;
            // Only a transient failure (a source that is down) is worth retrying.
            return new RunOutcome(dataset.Name, RunOutcome.FailureStatus(category, dataset.IsDerived), record.Version, 0, clock.Elapsed, reason)
            {
                Category = category,
                Detail = detail,
            };
        }
    }

    /// <summary>
    /// What makes a loaded version ready to serve, whichever node loaded it: the index of its key, its precomputed
    /// masks and its rollups.
    /// </summary>
    private async Task PrepareAsync(DatasetDefinition dataset, long version, long rows, IProgress<MaterializeProgress>? progress, CancellationToken cancellationToken,
        bool appended = false)
    {
        // A cut of an append-only table is a view: its table is ordered by its row number already (no index is needed
        // to find rows by it), and its masks are computed as it is read, so publishing it copies nothing.
        if (appended)
        {
            await _semantic.BeforePublishAsync(dataset, version, DuckDbStore.VersionTable(dataset.Name, version), cancellationToken);
            return;
        }
        // A declared key gets an index in the version (ART), so a lookup by key (WHERE order_id = $1) reads it
        // rather than every row; built before publication, it is dropped with the version's table. Not unique:
        // a key the data repeats is for checks to judge, not for the index to fail the build on.
        if (dataset.PrimaryKey.Count > 0)
        {
            progress?.Report(new MaterializeProgress(dataset.Name, "indexing", rows));
            try { await Task.Run(() => IndexKey(dataset, version), cancellationToken); }
            catch (DuckDBException e) when (StorageErrors.Translate(e, _store.DatabasePath) is null) { Log.KeyIndexFailed(_logger, e, dataset.Name, version); }
        }

        // Masked forms of its PII columns are computed once now, so masked reads cost what clear ones do.
        await _store.Masks.BuildAsync(dataset, version, () => Access.MaskKey.Load(Path.GetDirectoryName(_project.StatePath)!), cancellationToken);

        // Rollups are part of the version: built from it now, they publish with it and never mix versions.
        await _semantic.BeforePublishAsync(dataset, version, DuckDbStore.VersionTable(dataset.Name, version), cancellationToken);
    }

    /// <summary>
    /// Serves a version another node built and published (the state says so): loads it from the shared storage into
    /// this node's store, prepares it as its builder did (key index, masks, rollups) and makes it the served one, as
    /// a local publication does, with the checks it passed. Nothing happens when this node already serves it or a
    /// newer one; false when it cannot be loaded (no shared storage, or its files are gone), the served version staying.
    /// </summary>
    public async Task<bool> AdoptAsync(DatasetDefinition dataset, VersionRecord record, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(dataset.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_catalog.Current(dataset.Name) is { } served && served.Version >= record.Version) return false;
            var clock = Stopwatch.StartNew();
            var table = DuckDbStore.VersionTableName(dataset.Name, record.Version);
            var rows = record.RowCount ?? 0;
            if (!_store.ListVersionTables().Contains(table, StringComparer.OrdinalIgnoreCase))
            {
                if (_shared is null)
                    return Unloadable(dataset.Name, record.Version, "versions are not shared between nodes (set 'storage: { kind: folder, path: … }' in ladle.yaml)");
                if (await _shared.LocateAsync(dataset.Name, record.Version, cancellationToken) is not { } folder)
                    return Unloadable(dataset.Name, record.Version, $"the shared storage {_shared.Location} does not hold it (retired since, or its folder is not mounted here)");
                try
                {
                    rows = await Task.Run(() =>
                    {
                        using var connection = _store.Open();
                        return VersionParquet.Import(connection, dataset.Name, record.Version, folder);
                    }, cancellationToken);
                }
                catch (SharedStorageException e)
                {
                    try { _store.DropVersion(dataset.Name, record.Version); }
                    catch (DuckDBException) { /* recovery at the next start drops it */ }
                    return Unloadable(dataset.Name, record.Version, e.Message);
                }
            }
            await PrepareAsync(dataset, record.Version, rows, null, cancellationToken);
            var checks = Trust.TrustRegistry.Newest(await _state.ListCheckResultsAsync(dataset.Name, record.Version, 1000, cancellationToken));
            var publishedAt = record.PublishedAt ?? record.FinishedAt ?? record.StartedAt;
            RecordInManifest(record);
            _store.PointView(dataset.Name, record.Version);
            _catalog.Publish(new DataVersion(dataset.Name, record.Version, publishedAt), dataset.RetainVersions ?? _project.Server.RetainVersions, checks);
            Log.Adopted(_logger, dataset.Name, record.Version, rows, _shared?.Location ?? "this node's store", clock.ElapsedMilliseconds);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Loads an older version another node published that the state still retains (published, among the newest
    /// <c>retain_versions</c>) but this node does not hold, as a retained version beside the served one: a node that
    /// joined later then reads a cursor pinned to it as the other nodes do. Nothing happens when the version is not
    /// retained (the read answers 410 as it would anywhere) or its files are gone.
    /// </summary>
    public async Task LoadRetainedAsync(string name, long version, CancellationToken cancellationToken)
    {
        if (_shared is null || _project.FindDataset(name) is not { Materialization: Materialization.Table } dataset) return;
        var gate = _locks.GetOrAdd(dataset.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_catalog.Current(dataset.Name) is not { } served || version >= served.Version) return;
            if (_catalog.Retained(dataset.Name).Any(v => v.Version == version)) return;
            var retain = dataset.RetainVersions ?? _project.Server.RetainVersions;
            var published = (await _state.ListVersionsAsync(dataset.Name, 1000, cancellationToken))
                .Where(v => v.Status == VersionStatus.Published).Take(retain).ToList();
            if (published.FirstOrDefault(v => v.Version == version) is not { } record) return;
            if (await _shared.LocateAsync(dataset.Name, version, cancellationToken) is not { } folder) return;
            var clock = Stopwatch.StartNew();
            long rows;
            try
            {
                rows = await Task.Run(() =>
                {
                    using var connection = _store.Open();
                    return VersionParquet.Import(connection, dataset.Name, version, folder);
                }, cancellationToken);
            }
            catch (SharedStorageException e)
            {
                try { _store.DropVersion(dataset.Name, version); }
                catch (DuckDBException) { /* recovery at the next start drops it */ }
                _ = Unloadable(dataset.Name, version, e.Message);
                return;
            }
            await PrepareAsync(dataset, version, rows, null, cancellationToken);
            var checks = Trust.TrustRegistry.Newest(await _state.ListCheckResultsAsync(dataset.Name, version, 1000, cancellationToken));
            RecordInManifest(record);
            _catalog.RestoreRetained(new DataVersion(dataset.Name, version, record.PublishedAt ?? record.FinishedAt ?? record.StartedAt), checks);
            Log.LoadedRetained(_logger, dataset.Name, version, rows, _shared.Location, clock.ElapsedMilliseconds);
        }
        finally
        {
            gate.Release();
        }
    }

    private bool Unloadable(string dataset, long version, string reason)
    {
        if (_unloadable.TryAdd((dataset.ToLowerInvariant(), version), true)) Log.AdoptFailed(_logger, dataset, version, reason);
        return false;
    }

    /// <summary>Creates the index of the dataset's primary key on a version's table, named after the table.</summary>
    private void IndexKey(DatasetDefinition dataset, long version)
    {
        using var connection = _store.Open();
        var index = SqlDialect.DuckDb.Quote(DuckDbStore.VersionTableName(dataset.Name, version) + "_pkey");
        var columns = string.Join(", ", dataset.PrimaryKey.Select(SqlDialect.DuckDb.Quote));
        DuckDbStore.Execute(connection, $"CREATE INDEX {index} ON {DuckDbStore.VersionTable(dataset.Name, version)} ({columns})");
    }

    /// <summary>
    /// Writes the version's new status to the store's manifest. The state store already has it and start-up copies
    /// it over again, so a store that cannot be written now (disk full) does not turn a publication into a failure.
    /// </summary>
    private void RecordInManifest(VersionRecord version)
    {
        try { _store.Manifest.Record(version); }
        catch (DuckDBException e) { Log.ManifestWriteFailed(_logger, e, version.Dataset, version.Version); }
    }

    /// <summary>A short fingerprint of what a version was built from (source, table or SQL, declared columns), kept in the manifest.</summary>
    private static string DefinitionHash(DatasetDefinition dataset)
    {
        var text = string.Join('\n', dataset.Source ?? "", dataset.Table ?? "", dataset.Sql ?? "",
            string.Join(',', dataset.Columns.Select(c => $"{c.Name}:{c.Type.Name()}")));
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)).AsSpan(0, 8)).ToLowerInvariant();
    }

    /// <summary>Loads the version's table; returns the source rows left out of it when on_bad_rows rejects them.</summary>
    private async Task<RejectedRows?> LoadAsync(DatasetDefinition dataset, long version, IProgress<MaterializeProgress>? progress, CancellationToken cancellationToken)
    {
        var table = DuckDbStore.VersionTable(dataset.Name, version);
        var connector = _connectors.For(dataset);
        var relation = connector.Relation(dataset);
        ResultSchema sourceSchema;
        try
        {
            sourceSchema = await connector.DescribeAsync(dataset, cancellationToken);
        }
        catch (LadleException e) when (connector is FilesConnector reading && e.InnerException is DuckDBException reader)
        {
            // The same error, naming the dataset whose file it is.
            throw reading.ReadFailed(reader, dataset);
        }
        var columns = TargetColumns(dataset, sourceSchema);

        if (connector is FilesConnector files)
        {
            // The store reads files itself: one CREATE TABLE AS, run in parallel by DuckDB.
            using var connection = _store.Open();
            return await new FileLoad(files, dataset, sourceSchema, columns).RunAsync(connection, table, version, cancellationToken);
        }
        if (connector is StoreConnector)
        {
            // The store reads these itself: one CREATE TABLE AS, run in parallel by DuckDB.
            var select = string.Join(", ", columns.Select(c => StoredColumn.Projection(c, sourceSchema)));
            using var connection = _store.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"CREATE TABLE {table} AS SELECT {select} FROM {relation} AS t";
            using var registration = cancellationToken.Register(() => { try { command.Cancel(); } catch (DuckDBException) { } });
            await Task.Run(() => command.ExecuteNonQuery(), cancellationToken);
            return null;
        }

        // Other databases stream their rows in; DuckDB's appender writes them without SQL per row.
        var resultSchema = new ResultSchema(columns);
        var statement = new SqlStatement(
            $"SELECT {string.Join(", ", columns.Select(c => connector.Dialect.Quote(SourceName(c.Name, sourceSchema))))} FROM {relation} AS t", []);
        using (var connection = _store.Open())
        {
            DuckDbStore.Execute(connection, $"CREATE TABLE {table} ({string.Join(", ", columns.Select(c => $"{SqlDialect.DuckDb.Quote(c.Name)} {SqlDialect.DuckDb.TypeName(c.Type)}"))})");
        }
        await using var rows = await connector.QueryAsync(statement, resultSchema, cancellationToken);
        using var appendConnection = _store.Open();
        using var appender = appendConnection.CreateAppender(DuckDbStore.VersionSchema, DuckDbStore.VersionTableName(dataset.Name, version));
        long total = 0;
        while (await rows.ReadAsync(cancellationToken) is { } batch)
        {
            BatchAppender.Append(appender, batch);
            total += batch.Count;
            progress?.Report(new MaterializeProgress(dataset.Name, "loading", total));
        }
        return null;
    }

    /// <summary>The version as a view: the append-only table's rows up to the cut, in the declared columns.</summary>
    private RejectedRows? CutView(DatasetDefinition dataset, string table, AppendCut cut)
    {
        if (_connectors.For(dataset) is not StoreConnector connector)
            throw new InvalidOperationException($"dataset '{dataset.Name}' is not over a store table, so it cannot be published as a cut of one");
        var select = dataset.Columns.Count == 0 ? "*" : string.Join(", ", dataset.Columns.Select(c => SqlDialect.DuckDb.Quote(c.Name)));
        using var connection = _store.Open();
        DuckDbStore.Execute(connection, $"CREATE VIEW {table} AS SELECT {select} FROM {connector.Relation(dataset)} AS t " +
            $"WHERE {SqlDialect.DuckDb.Quote(cut.Column)} <= {cut.UpTo.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return null;
    }

    /// <summary>The declared columns (the contract) or, when none are declared, everything the source has.</summary>
    private static List<ResultColumn> TargetColumns(DatasetDefinition dataset, ResultSchema source)
    {
        if (dataset.Columns.Count == 0) return source.Columns.ToList();
        var missing = dataset.Columns.Where(c => source.IndexOf(c.Name) < 0).Select(c => c.Name).ToList();
        if (missing.Count > 0)
            throw new MaterializationException(dataset.Name,
                $"dataset '{dataset.Name}' declares column(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} that its source does not have " +
                $"(the source has: {string.Join(", ", source.Columns.Select(c => c.Name))}); fix the columns in {dataset.File}");
        return dataset.Columns.Select(c => new ResultColumn(c.Name, c.Type)).ToList();
    }

    private static string SourceName(string column, ResultSchema source) => source.Columns[source.IndexOf(column)].Name;

    private (long Rows, string? Watermark) Measure(DatasetDefinition dataset, string table)
    {
        using var connection = _store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = dataset.WatermarkColumn is { } w
            ? $"SELECT count(*), CAST(max({SqlDialect.DuckDb.Quote(w)}) AS VARCHAR) FROM {table}"
            : $"SELECT count(*), NULL FROM {table}";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }
}
