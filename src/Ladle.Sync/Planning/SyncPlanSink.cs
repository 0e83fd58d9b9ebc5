using Ladle.Core.Model.Syncs;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Serving;
using Ladle.Engine.Store;
using Ladle.Engine.Trust;

namespace Ladle.Syncs.Planning;

/// <summary>
/// The sync's sink on the read pipeline: it takes the answer in the store (the authorized, scoped statement over the
/// leased published version) and diffs it there against the ledger, never pulling rows through .NET. Its
/// <see cref="Begin"/> is the sync's own trust gate: failed data never syncs, stale data as the sync says.
/// </summary>
internal sealed class SyncPlanSink(SyncDefinition sync, Func<StoreRelation, CancellationToken, Task<long>> diff,
    Func<ResultStream, CancellationToken, Task<long>>? load = null) : IStoreRelationSink
{
    private static readonly SinkCapabilities InStoreOnly = new() { InStore = true };

    public string Format => "sync";

    public SinkCapabilities Capabilities => InStoreOnly;

    public IResultEncoder? Encoder => null;

    /// <summary>What the pipeline stated: version read and its status.</summary>
    public ReadAnswer? Answer { get; private set; }

    public Stream Begin(ReadAnswer answer)
    {
        var read = answer.Datasets[0];
        switch (answer.Status)
        {
            case DataStatus.Failed:
                throw new SyncSourceRefusedException(
                    $"sync '{sync.Name}' does not send from dataset '{read.Dataset}': its newest data failed ({read.Health.Reason}); fix the data and publish again");
            case DataStatus.Stale when sync.OnStale != SyncOnStale.Warn:
                throw new SyncSourceRefusedException(
                    $"sync '{sync.Name}' does not send stale data from dataset '{read.Dataset}' ({read.Health.Reason}); " +
                    (sync.OnStale == SyncOnStale.Wait ? "it waits for a fresh publication" : "publish it again, or write 'on_stale: warn' in the sync"));
        }
        Answer = answer;
        return Stream.Null;
    }

    public Task<long> ConsumeAsync(StoreRelation relation, CancellationToken cancellationToken) => diff(relation, cancellationToken);

    /// <summary>A metric query's answer (aggregated, small) arrives as rows; a dataset's never does.</summary>
    public async Task WriteAsync(ResultStream rows, Stream body, EncodeContext context, CancellationToken cancellationToken) =>
        SourceRows = await (load ?? throw new NotSupportedException("a sync takes a dataset's answer in the store, never as rows"))(rows, cancellationToken);

    /// <summary>The rows a metric answer had.</summary>
    public long SourceRows { get; private set; }
}
