using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;

namespace Ladle.Engine;

/// <summary>
/// The rules every request for runs follows, whichever path carries it out (<see cref="Publisher.MaterializeAsync"/>,
/// the scheduler's run queue, <c>ladle materialize</c> forwarding to a running server): which datasets it runs and in
/// which order, that nothing is built on an input that did not publish, and which failures are tried again when.
/// </summary>
public static class RunOrder
{
    /// <summary>
    /// The table datasets a request runs, in dependency order: the named ones (every table dataset when none is
    /// named) with every table dataset they read. An unknown name is a <see cref="NotFoundException"/> with the closest one.
    /// </summary>
    public static IReadOnlyList<DatasetDefinition> Plan(ProjectDefinition project, IReadOnlyCollection<string> names)
    {
        foreach (var name in names) Find(project, name);
        var wanted = names.Count == 0 ? project.Datasets : project.WithDependencies(names);
        // A stream's windows dataset is published by its stream as windows close, never rebuilt by a run of everything.
        return wanted.Where(d => d.Materialization == Materialization.Table && (names.Count > 0 || d.Stream is null)).ToList();
    }

    /// <summary>A dataset named in a request, or a 404-style error naming the closest one.</summary>
    public static DatasetDefinition Find(ProjectDefinition project, string name) =>
        project.FindDataset(name) ?? throw new NotFoundException(
            $"no dataset '{name}' ({Suggest.Hint(name, project.Datasets.Select(d => d.Name).ToList())})");

    /// <summary>
    /// Runs a plan one dataset after the other with <paramref name="run"/>; a dataset one of whose inputs did not
    /// publish is skipped (<see cref="SkippedBy"/>), not built on top of stale input.
    /// </summary>
    public static async Task<IReadOnlyList<RunOutcome>> RunAsync(IReadOnlyList<DatasetDefinition> plan, Func<DatasetDefinition, Task<RunOutcome>> run)
    {
        var outcomes = new List<RunOutcome>(plan.Count);
        foreach (var dataset in plan)
            outcomes.Add(SkippedBy(dataset, outcomes) ?? await run(dataset));
        return outcomes;
    }

    /// <summary>The skipped outcome of a dataset when one of its inputs' outcomes did not publish; null when it may build.</summary>
    public static RunOutcome? SkippedBy(DatasetDefinition dataset, IEnumerable<RunOutcome> inputs) =>
        inputs.FirstOrDefault(i => !i.Published && dataset.DependsOn.Contains(i.Dataset, StringComparer.OrdinalIgnoreCase)) is { } failed
            ? RunOutcome.Skipped(dataset.Name, failed.Dataset)
            : null;

    /// <summary>
    /// How long to wait before trying a failed attempt again, or null when the outcome is final: only a source that
    /// could not be reached is retried, <c>run_retries</c> times, after <c>retry_backoff</c>·2ⁿ.
    /// </summary>
    public static TimeSpan? RetryDelay(RunOutcome outcome, int retry, ServerSettings settings) =>
        outcome.Status == RunStatus.SourceUnavailable && retry < settings.RunRetries ? settings.RetryBackoff * Math.Pow(2, retry) : null;
}
