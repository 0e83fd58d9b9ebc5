using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Ladle.Core.Model;
using Ladle.Core.Model.Syncs;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Ladle.Engine.Store;
using Ladle.Syncs.Delivery;
using Ladle.Syncs.Planning;
using Microsoft.Extensions.Logging;

namespace Ladle.Syncs;

/// <summary>
/// Runs syncs: plan (a diff in the store of the source's published version, read through the read pipeline as the
/// sync's principal, against what the destination acknowledged) and apply (the ledger moves each row planned →
/// sent → acknowledged | rejected; the acknowledged state moves only on acknowledgement). It takes the parts it uses:
/// the project, the pipeline, the store (for the diff's workspace), the state (ledger and run leases), destinations.
/// </summary>
public sealed partial class SyncService(ProjectDefinition project, ReadPipeline pipeline, DuckDbStore store, IStateStore state,
    SyncDestinations destinations, TimeProvider? clock = null, ILogger? logger = null, IAuditSink? audit = null)
{
    /// <summary>The interface name reads of syncs are audited under.</summary>
    public const string Interface = "sync";

    /// <summary>Sample rows shown per kind in a plan.</summary>
    public const int SamplesPerKind = 5;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private readonly ConcurrentDictionary<string, RateLimiter> _limiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SyncRunProfile> _profiles = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where the last plan or run of the sync spent its time, phase by phase; null before the first.</summary>
    public SyncRunProfile? LastProfile(string name) => _profiles.GetValueOrDefault(name);

    /// <summary>Told of every finished run (Prometheus series, alerts); added by the host before the first run.</summary>
    public IList<Observing.ISyncRunObserver> Observers { get; } = new List<Observing.ISyncRunObserver>();

    /// <summary>The project's syncs.</summary>
    public IReadOnlyList<SyncDefinition> Syncs => project.Syncs;

    /// <summary>The sync of that name, or <see cref="SyncNotFoundException"/>.</summary>
    public SyncDefinition Find(string name) =>
        project.Syncs.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new SyncNotFoundException(name, project.Syncs.Select(s => s.Name).ToList());

    /// <summary>What a run would send now, without sending or recording anything.</summary>
    public async Task<SyncPlan> PlanAsync(string name, CancellationToken cancellationToken)
    {
        var sync = Find(name);
        // With the lease free, the plan may keep the ledger copy it rebuilt; a running sync's copy is its own to write.
        var owner = RunLeaseOwner.New();
        try
        {
            var lease = await state.TryAcquireRunLeaseAsync("sync:" + sync.Name, owner, LeaseDuration, cancellationToken);
            try
            {
                var profile = _profiles[sync.Name] = new SyncRunProfile();
                using var workspace = SyncWorkspace.Open(store);
                return await DiffAsync(sync, workspace, keep: lease is not null, profile, cancellationToken);
            }
            finally
            {
                if (lease is not null) await state.ReleaseRunLeaseAsync(lease, CancellationToken.None);
            }
        }
        finally
        {
            RunLeaseOwner.Retire(owner);
        }
    }

    /// <summary>A sync's runs, newest first.</summary>
    public Task<IReadOnlyList<SyncRunRecord>> HistoryAsync(string name, int limit, CancellationToken cancellationToken) =>
        state.ListSyncRunsAsync(Find(name).Name, limit, cancellationToken);

    /// <summary>Rows the destination rejected, still owed, with its reasons.</summary>
    public Task<IReadOnlyList<SyncRowEntry>> RejectionsAsync(string name, int limit, CancellationToken cancellationToken) =>
        state.ListSyncRowsAsync(Find(name).Name, SyncRowStatus.Rejected, limit, cancellationToken);

    /// <summary>Reads the source through the pipeline as the sync's principal and diffs it in <paramref name="workspace"/>.</summary>
    private async Task<SyncPlan> DiffAsync(SyncDefinition sync, SyncWorkspace workspace, bool keep, SyncRunProfile profile, CancellationToken cancellationToken)
    {
        using (profile.Measure("plan: load ledger"))
        {
            var rejected = await state.ListSyncRowsAsync(sync.Name, SyncRowStatus.Rejected, int.MaxValue, cancellationToken);
            var generation = await state.ReadAcknowledgedGenerationAsync(sync.Name, cancellationToken);
            await workspace.LoadLedgerAsync(sync.Name, generation, ct => state.ReadAcknowledgedAsync(sync.Name, ct), rejected, keep, cancellationToken);
        }
        long sourceRows = 0;
        workspace.Profile = profile;
        var sink = new SyncPlanSink(sync, (relation, ct) => Task.Factory.StartNew(
            () => sourceRows = workspace.Diff(sync, relation.Statement, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default),
            (rows, ct) => DiffRowsAsync(sync, workspace, rows, ct));
        ReadRequest request = sync.Metric is { } metric
            ? new MetricsRequest { Principal = PrincipalOf(sync), Interface = Interface, Query = metric }
            : new RowsRequest
            {
                Principal = PrincipalOf(sync),
                Interface = Interface,
                Dataset = sync.Dataset,
                Columns = string.Join(",", sync.SourceColumns),
                Filters = sync.Filters,
            };
        try
        {
            using (profile.Measure("plan: read and diff"))
                await pipeline.ServeAsync(request, sink, cancellationToken);
            if (sync.Metric is not null) sourceRows = sink.SourceRows;
            var read = sink.Answer!.Datasets[0];
            var version = read.Version ?? 0;
            using var summary = profile.Measure("plan: fingerprints, counts, samples");
            // Still in the snapshot of the ledger's copy the diff read: the fingerprints and the samples' "before" are of it.
            var (ledger, rows) = workspace.Fingerprints();
            return new SyncPlan
            {
                Id = PlanId(sync, version, ledger, rows),
                Sync = sync.Name,
                Dataset = sync.Dataset,
                Mode = sync.Mode.ToString().ToLowerInvariant(),
                SourceVersion = version,
                PublishedAt = read.PublishedAt ?? default,
                SourceStatus = read.Health.StatusName,
                SourceStatusReason = read.Health.Reason,
                Counts = workspace.Counts(sourceRows),
                Samples = workspace.Samples(SamplesPerKind),
            };
        }
        finally
        {
            workspace.EndSnapshot();
        }
    }

    /// <summary>
    /// A plan's id: the source version, then 24 hex digits, digests of the definition, the ledger and the rows to
    /// send (8 each), so a run refused for a plan that moved can say what moved.
    /// </summary>
    internal static string PlanId(SyncDefinition sync, long version, string ledger, string rows) =>
        $"{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}-{Digest(DefinitionText(sync))[..8]}{Digest(ledger)[..8]}{Digest(rows)[..8]}";

    /// <summary>What of a sync's definition decides its plan (not where it is written, nor its schedule or limits).</summary>
    private static string DefinitionText(SyncDefinition sync) => string.Join("\n",
        sync.Dataset, sync.Metric is { } metric ? System.Text.Json.JsonSerializer.Serialize(metric) : "", string.Join("\u0001", sync.Filters), sync.Principal, sync.Mode, sync.Destination.Kind, sync.Destination.Table ?? "",
        sync.Key.Source, sync.Key.Destination,
        string.Join("\u0001", sync.Fields.Select(f => $"{f.Source}\u0002{f.Destination}\u0002{f.Type?.ToString() ?? ""}")));

    /// <summary>
    /// A metric query's answer, written by the pipeline as rows (already aggregated, so few): kept as a Parquet file
    /// beside the store for the diff to read with the types the answer had, and removed after.
    /// </summary>
    private async Task<long> DiffRowsAsync(SyncDefinition sync, SyncWorkspace workspace, Engine.Results.ResultStream rows, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(store.PipeDirectory);
        var path = Path.Combine(store.PipeDirectory, $"ladle-sync-{Guid.NewGuid():N}.parquet");
        try
        {
            await using (var file = File.Create(path))
                await new Engine.Encoders.ParquetEncoder().WriteAsync(rows, file, new Engine.Encoders.EncodeContext { Name = sync.Name }, cancellationToken);
            var statement = new Core.Sql.SqlStatement($"SELECT * FROM read_parquet({Core.Sql.SqlDialect.Literal(path)})", []);
            return await Task.Factory.StartNew(() => workspace.Diff(sync, statement, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The access.yaml principal a sync reads as: its grants, row filters and PII clearance apply.</summary>
    private Principal PrincipalOf(SyncDefinition sync)
    {
        var definition = project.Access.Principals[sync.Principal];
        return new Principal(definition.Name, definition.Attributes) { Method = AuthMethod.Token };
    }

    /// <summary>A row's idempotency key: the same change of the same key always has the same one, across runs and processes.</summary>
    internal static string RowKey(string sync, string key, SyncOperation operation, string hash) =>
        Digest($"{sync}\n{key}\n{operation}\n{hash}");

    /// <summary>A batch's idempotency key: that of the same rows in the same order.</summary>
    internal static string BatchKey(IEnumerable<SyncRecord> rows) =>
        Digest(string.Join("\n", rows.Select(r => r.IdempotencyKey)));

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));

    private RateLimiter? LimiterOf(SyncDefinition sync)
    {
        if (sync.RequestsPerSecond is not { } rate) return null;
        return _limiters.GetOrAdd(sync.Name, _ =>
        {
            // A bucket of one second's requests, refilled a token at a time, so bursts stay within the rate.
            var burst = Math.Max(1, (int)Math.Ceiling(rate));
            return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1 / rate),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        });
    }
}
