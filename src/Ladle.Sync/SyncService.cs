using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Ladle.Core.Model;
using Ladle.Core.Model.Syncs;
using Ladle.Core.Policy;
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
    SyncDestinations destinations, TimeProvider? clock = null, ILogger? logger = null)
{
    /// <summary>The interface name reads of syncs are audited under.</summary>
    public const string Interface = "sync";

    /// <summary>Sample rows shown per kind in a plan.</summary>
    public const int SamplesPerKind = 5;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private readonly ConcurrentDictionary<string, RateLimiter> _limiters = new(StringComparer.OrdinalIgnoreCase);

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
        using var workspace = SyncWorkspace.Open(store);
        return await DiffAsync(sync, workspace, cancellationToken);
    }

    /// <summary>A sync's runs, newest first.</summary>
    public Task<IReadOnlyList<SyncRunRecord>> HistoryAsync(string name, int limit, CancellationToken cancellationToken) =>
        state.ListSyncRunsAsync(Find(name).Name, limit, cancellationToken);

    /// <summary>Rows the destination rejected, still owed, with its reasons.</summary>
    public Task<IReadOnlyList<SyncRowEntry>> RejectionsAsync(string name, int limit, CancellationToken cancellationToken) =>
        state.ListSyncRowsAsync(Find(name).Name, SyncRowStatus.Rejected, limit, cancellationToken);

    /// <summary>Reads the source through the pipeline as the sync's principal and diffs it in <paramref name="workspace"/>.</summary>
    private async Task<SyncPlan> DiffAsync(SyncDefinition sync, SyncWorkspace workspace, CancellationToken cancellationToken)
    {
        var rejected = await state.ListSyncRowsAsync(sync.Name, SyncRowStatus.Rejected, int.MaxValue, cancellationToken);
        await workspace.LoadLedgerAsync(state.ReadAcknowledgedAsync(sync.Name, cancellationToken), rejected, cancellationToken);
        long sourceRows = 0;
        var sink = new SyncPlanSink(sync, (relation, ct) => Task.Factory.StartNew(
            () => sourceRows = workspace.Diff(sync, relation.Statement, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        var request = new RowsRequest
        {
            Principal = PrincipalOf(sync),
            Interface = Interface,
            Dataset = sync.Dataset,
            Columns = string.Join(",", sync.SourceColumns),
            Filters = sync.Filters,
        };
        await pipeline.ServeAsync(request, sink, cancellationToken);
        var read = sink.Answer!.Datasets[0];
        return new SyncPlan
        {
            Sync = sync.Name,
            Dataset = sync.Dataset,
            Mode = sync.Mode.ToString().ToLowerInvariant(),
            SourceVersion = read.Version ?? 0,
            PublishedAt = read.PublishedAt ?? default,
            SourceStatus = read.Health.StatusName,
            SourceStatusReason = read.Health.Reason,
            Counts = workspace.Counts(sourceRows),
            Samples = workspace.Samples(SamplesPerKind),
        };
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
