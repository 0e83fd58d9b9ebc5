using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Engine;
using Ladle.Engine.Checks;
using Ladle.Engine.Scheduling;
using Ladle.Engine.State;

namespace Ladle.Server.Contracts;

/// <summary>
/// How a run ended (the outcome of its last attempt), as <c>POST …/refresh?wait=true</c> answers it: the body of a 200,
/// and the <c>run</c> member of the problem otherwise (<see cref="ApiProblem"/>). <c>Outcome</c> is the
/// <see cref="RunStatus"/> in snake_case; <c>Category</c> the failure's <see cref="ErrorCategories"/> slug.
/// </summary>
public sealed record RunReport(string Dataset, string Trigger, string Outcome, string? Category, long? Version, long Rows, double Seconds,
    int Attempts, string? Error, IReadOnlyList<CheckReport> Checks)
{
    /// <summary>The report of a run that ended with <paramref name="outcome"/>.</summary>
    public static RunReport From(DatasetRun run, RunOutcome outcome) => new(
        outcome.Dataset,
        run.Trigger,
        NameOf(outcome.Status),
        outcome.Category is { } category ? ErrorCategories.Of(category).Slug : null,
        outcome.Version,
        outcome.Rows,
        Math.Round(outcome.Duration.TotalSeconds, 3),
        run.Attempts,
        outcome.Error,
        outcome.Checks.Select(CheckReport.From).ToList());

    /// <summary>The outcome this report describes (without its checks' details), as the engine would have returned it.</summary>
    public RunOutcome ToOutcome() =>
        new(Dataset, StatusOf(Outcome), Version, Rows, TimeSpan.FromSeconds(Seconds), Error) { Category = ErrorCategories.FromSlug(Category) };

    /// <summary>A status as answers name it: <c>source_unavailable</c>.</summary>
    public static string NameOf(RunStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    /// <summary>The status an answer names; a name this client does not know is a failure.</summary>
    public static RunStatus StatusOf(string outcome) =>
        Enum.GetValues<RunStatus>().FirstOrDefault(s => NameOf(s) == outcome, RunStatus.Failed);
}

/// <summary>One check of the version the run built.</summary>
public sealed record CheckReport(string Name, string Severity, string Outcome, long FailingRows, string Message)
{
    public static CheckReport From(CheckResult c) =>
        new(c.Check, c.Severity.ToString().ToLowerInvariant(), c.Outcome.ToString().ToLowerInvariant(), c.FailingRows, c.Message);
}
