using Ladle.Core.Model;

namespace Ladle.Engine.Scheduling;

/// <summary>
/// One run of a dataset through the run queue: requested, waiting for its inputs' runs, building (and waiting to
/// retry after source errors), then done with the result of its last attempt.
/// </summary>
public sealed class DatasetRun
{
    private readonly TaskCompletionSource<RunOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _attempts;
    private long _retryAtTicks;

    internal DatasetRun(DatasetDefinition definition, string trigger, DateTimeOffset requestedAt)
    {
        Definition = definition;
        Trigger = trigger;
        RequestedAt = requestedAt;
    }

    internal DatasetDefinition Definition { get; }

    public string Dataset => Definition.Name;

    /// <summary>What asked for the run (schedule, api, startup, cascade); every attempt is recorded with it.</summary>
    public string Trigger { get; }

    public DateTimeOffset RequestedAt { get; }

    /// <summary>
    /// True once the run's inputs are settled and it builds. Changed only under the queue's lock, which decides
    /// from it whether a new request can still join this run.
    /// </summary>
    public bool Building { get; internal set; }

    /// <summary>
    /// Runs of its inputs that were queued or building when this run was asked for; it waits for them even if they
    /// end before it starts. Used only under the queue's lock.
    /// </summary>
    internal HashSet<DatasetRun> Inputs { get; } = [];

    /// <summary>Attempts started so far; each is a version in the state store.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>When the next attempt starts, while the run waits out a backoff after a source error.</summary>
    public DateTimeOffset? RetryAt
    {
        get
        {
            var ticks = Interlocked.Read(ref _retryAtTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>The outcome of the run's last attempt (or why it was skipped, or that Ladle stopped first).</summary>
    public Task<RunOutcome> Completion => _completion.Task;

    internal void AttemptStarted() => Interlocked.Increment(ref _attempts);

    internal void WaitingToRetry(DateTimeOffset? at) => Interlocked.Exchange(ref _retryAtTicks, at?.UtcTicks ?? 0);

    internal void Complete(RunOutcome result) => _completion.TrySetResult(result);
}
