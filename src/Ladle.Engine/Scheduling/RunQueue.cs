using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Internal;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Scheduling;

/// <summary>
/// Every run of a dataset in a serving process goes through here, whatever asked for it: at most one run per
/// dataset builds at a time and at most one more waits behind it, so requests coalesce instead of piling up. A run
/// waits for the runs of its inputs and is skipped when one of them fails; a source error is retried with
/// exponential backoff; a publication rebuilds the unscheduled table datasets that read the one published.
/// </summary>
internal sealed class RunQueue
{
    // DuckDB already spreads one build over every core; more builds at once only compete for memory, but a
    // slow source must not hold up every other dataset.
    private const int MaxConcurrentBuilds = 2;

    private readonly ProjectDefinition _project;
    private readonly VersionCatalog _catalog;
    private readonly Publisher _publisher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Task> _workers = [];
    private readonly SemaphoreSlim _builders = new(MaxConcurrentBuilds, MaxConcurrentBuilds);
    private readonly CancellationTokenSource _stopping = new();

    public RunQueue(ProjectDefinition project, VersionCatalog catalog, Publisher publisher, TimeProvider time, ILogger logger)
    {
        _project = project;
        _catalog = catalog;
        _publisher = publisher;
        _time = time;
        _logger = logger;
    }

    /// <summary>The run building (Current) and the one waiting behind it (Next) of one dataset.</summary>
    private sealed class Slot
    {
        public DatasetRun? Current;
        public DatasetRun? Next;
    }

    /// <summary>
    /// Asks for runs of the named table datasets and of any table dataset they read that was never published (it
    /// must exist before they can be built). A request joins a run of the same dataset that has not started
    /// building; with <paramref name="joinBuilding"/> it also joins one that has (a schedule tick is served by a run
    /// already under way), otherwise one more run is queued behind it, so the data is read after the request.
    /// Returns the runs in dependency order.
    /// </summary>
    public IReadOnlyList<QueuedRun> Request(IReadOnlyCollection<string> names, string trigger, bool joinBuilding)
    {
        var named = names.Select(_project.GetDataset).ToList();
        if (named.FirstOrDefault(d => d.Materialization != Materialization.Table) is { } live)
            throw new InvalidRequestException(
                $"dataset '{live.Name}' is live: live datasets are read from their source on every request; nothing to refresh");
        var wanted = new HashSet<string>(named.Select(d => d.Name), StringComparer.OrdinalIgnoreCase);
        var datasets = _project.WithDependencies(wanted)
            .Where(d => wanted.Contains(d.Name) || (d.Materialization == Materialization.Table && _catalog.Current(d.Name) is null))
            .ToList();

        var admitted = new List<QueuedRun>(datasets.Count);
        var start = new List<DatasetRun>();
        lock (_lock)
        {
            foreach (var dataset in datasets)
            {
                var slot = SlotOf(dataset.Name);
                DatasetRun? joined = slot.Next ?? (slot.Current is { } current && (joinBuilding || !current.Building) ? current : null);
                if (joined is not null)
                {
                    if (!joined.Building) joined.Inputs.UnionWith(InputsInFlight(dataset));
                    admitted.Add(new QueuedRun(joined, Coalesced: true));
                }
                else
                {
                    var run = new DatasetRun(dataset, trigger, _time.GetUtcNow());
                    run.Inputs.UnionWith(InputsInFlight(dataset));
                    if (slot.Current is null)
                    {
                        slot.Current = run;
                        start.Add(run);
                    }
                    else slot.Next = run;
                    admitted.Add(new QueuedRun(run, Coalesced: false));
                }
            }
        }
        foreach (var q in admitted)
        {
            if (q.Coalesced) Log.RunCoalesced(_logger, q.Run.Dataset, trigger, q.Run.Trigger);
            else Log.RunQueued(_logger, q.Run.Dataset, trigger);
        }
        foreach (var run in start) Launch(run);
        return admitted;
    }

    /// <summary>Runs queued or building now, inputs before the datasets that read them.</summary>
    public IReadOnlyList<DatasetRun> InFlight()
    {
        lock (_lock)
        {
            return _project.Datasets
                .Select(d => _slots.GetValueOrDefault(d.Name))
                .SelectMany(s => new[] { s?.Current, s?.Next })
                .OfType<DatasetRun>()
                .ToList();
        }
    }

    /// <summary>Cancels runs in progress (their versions are recorded as interrupted) and waits for them to end.</summary>
    /// <summary>Cancels every run under way and refuses new ones, at once (the callbacks run before it returns).</summary>
    public void RequestStop() => _stopping.Cancel();

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        while (true)
        {
            Task[] workers;
            lock (_lock)
            {
                _workers.RemoveAll(w => w.IsCompleted);
                workers = [.. _workers];
            }
            if (workers.Length == 0) return;
            await Task.WhenAll(workers).WaitAsync(cancellationToken);
        }
    }

    private Slot SlotOf(string dataset)
    {
        if (!_slots.TryGetValue(dataset, out var slot)) _slots[dataset] = slot = new Slot();
        return slot;
    }

    private void Launch(DatasetRun run)
    {
        var worker = Task.Run(() => ExecuteAsync(run));
        lock (_lock)
        {
            _workers.RemoveAll(w => w.IsCompleted);
            _workers.Add(worker);
        }
    }

    private async Task ExecuteAsync(DatasetRun run)
    {
        RunOutcome result;
        try
        {
            result = await WaitForInputsAsync(run) ?? await BuildAsync(run);
            if (result.Published) Cascade(run.Definition);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Ladle is stopping: the attempt under way was recorded as interrupted by the publisher (it runs again at the next start).
            result = RunOutcome.Interrupted(run.Dataset);
        }
        catch (Exception e)
        {
            // A background run has nobody to throw to: the run ends failed and the queue keeps serving. Its message is
            // about Ladle's internals: it stays in the log, as for any unexpected error.
            Log.RunCrashed(_logger, e, run.Dataset);
            result = new RunOutcome(run.Dataset, RunStatus.Failed, null, 0, TimeSpan.Zero, "the run failed unexpectedly; the server log has the details")
            {
                Category = Core.Errors.ErrorCategory.Internal,
            };
        }
        Finish(run, result);
    }

    /// <summary>
    /// Waits for the runs of the run's inputs (those in flight when it was asked for, and any started since), so
    /// the build reads what they publish. Returns the skipped result when one of them did not publish: nothing is
    /// built on top of a failure.
    /// </summary>
    private async Task<RunOutcome?> WaitForInputsAsync(DatasetRun run)
    {
        var awaited = new HashSet<DatasetRun>();
        while (true)
        {
            List<DatasetRun> inputs;
            lock (_lock)
            {
                inputs = run.Inputs.Concat(InputsInFlight(run.Definition)).Where(i => !awaited.Contains(i)).Distinct().ToList();
                if (inputs.Count == 0)
                {
                    run.Building = true;
                    run.Inputs.Clear();
                    return null;
                }
            }
            foreach (var input in inputs)
            {
                awaited.Add(input);
                var skipped = RunOrder.SkippedBy(run.Definition, [await input.Completion.WaitAsync(_stopping.Token)]);
                if (skipped is null) continue;
                Log.RunSkipped(_logger, run.Dataset, input.Dataset);
                return skipped;
            }
        }
    }

    /// <summary>The newest run queued or building of each input of the dataset. Called under the lock.</summary>
    private IEnumerable<DatasetRun> InputsInFlight(DatasetDefinition dataset) =>
        dataset.DependsOn.Select(d => _slots.GetValueOrDefault(d)).Select(s => s?.Next ?? s?.Current).OfType<DatasetRun>();

    /// <summary>Builds the dataset; a failure at the source is tried again after 1, 2, 4… times retry_backoff.</summary>
    private async Task<RunOutcome> BuildAsync(DatasetRun run)
    {
        var settings = _project.Server;
        for (var retry = 0; ; retry++)
        {
            RunOutcome result;
            await _builders.WaitAsync(_stopping.Token);
            try
            {
                run.AttemptStarted();
                result = await _publisher.MaterializeOneAsync(run.Definition, run.Trigger, null, _stopping.Token);
            }
            finally
            {
                _builders.Release();
            }
            if (result.HeldBy is { } holder)
            {
                // Another node builds the dataset now: this run (asked for on this node) waits for that build to end and
                // then builds, as a refresh asked for during a local build queues one more run; never two builds at once.
                Log.RunWaitsForLease(_logger, run.Dataset, holder);
                await _publisher.WaitForRunLeaseAsync(run.Dataset, _stopping.Token);
                retry--;
                continue;
            }
            if (RunOrder.RetryDelay(result, retry, settings) is not { } delay)
            {
                if (result.Status == RunStatus.SourceUnavailable) Log.RunGaveUp(_logger, run.Dataset, run.Attempts, result.Error ?? "");
                return result;
            }
            var retryAt = _time.GetUtcNow() + delay;
            Log.RunRetrying(_logger, run.Dataset, run.Attempts, settings.RunRetries + 1, retryAt, result.Error ?? "");
            // The timer exists before RetryAt is visible: whoever sees RetryAt may move the clock past it.
            var backoff = Task.Delay(delay, _time, _stopping.Token);
            run.WaitingToRetry(retryAt);
            try
            {
                await backoff;
            }
            finally
            {
                run.WaitingToRetry(null);
            }
        }
    }

    /// <summary>Derived data follows its inputs: table datasets without a schedule of their own are rebuilt.</summary>
    private void Cascade(DatasetDefinition published)
    {
        var dependents = _project.Datasets
            .Where(d => d.Materialization == Materialization.Table && d.Schedule is null &&
                        d.DependsOn.Contains(published.Name, StringComparer.OrdinalIgnoreCase))
            .Select(d => d.Name)
            .ToList();
        if (dependents.Count == 0 || _stopping.IsCancellationRequested) return;
        Log.Cascading(_logger, published.Name, string.Join(", ", dependents));
        Request(dependents, "cascade", joinBuilding: false);
    }

    private void Finish(DatasetRun run, RunOutcome result)
    {
        DatasetRun? next;
        lock (_lock)
        {
            var slot = _slots[run.Dataset];
            next = slot.Next;
            slot.Current = next;
            slot.Next = null;
        }
        run.Complete(result);
        if (next is not null) Launch(next);
    }
}
