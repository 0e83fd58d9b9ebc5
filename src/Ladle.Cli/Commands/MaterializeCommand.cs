using System.CommandLine;
using System.Globalization;
using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Server.Contracts;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>
/// `ladle materialize [dataset…]`: build and publish table datasets, with a progress bar each. While `ladle serve`
/// runs on the project (it holds the store, which DuckDB lets one process open), the runs are asked of it instead,
/// through its refresh API, one after the other in the same order.
/// </summary>
internal static class MaterializeCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var datasets = new Argument<string[]>("dataset") { Arity = ArgumentArity.ZeroOrMore, Description = "Datasets to materialize (with what they depend on); all table datasets when none are named." };
        var token = RunningServer.TokenOption();
        var command = new Command("materialize", "Build new versions of table datasets and publish them atomically.") { project, datasets, token };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var names = parse.GetValue(datasets) ?? [];
            static int ExitCode(IReadOnlyList<RunOutcome> results) => results.All(r => r.Published) ? CliRunner.Ok : CliRunner.Failed;
            return await RunningServer.OpenOrAskAsync(loaded,
                async engine => ExitCode(await RunAsync(engine, names, "cli", ct)),
                async server => ExitCode(await RunOnServerAsync(loaded, server, names, RunningServer.TokenFrom(parse.GetValue(token)), ct)),
                ct);
        }));
        return command;
    }

    /// <summary>
    /// The same datasets in the same order as a local run (<see cref="RunOrder"/>), each run by the server with
    /// <c>POST …/refresh?wait=true</c>; a dataset whose input did not publish is skipped, as locally.
    /// </summary>
    private static async Task<IReadOnlyList<RunOutcome>> RunOnServerAsync(
        ProjectDefinition project, RunningServer server, IReadOnlyCollection<string> names, string? token, CancellationToken ct)
    {
        var outcomes = await RunOrder.RunAsync(RunOrder.Plan(project, names), async dataset =>
        {
            RunOutcome outcome = null!;
            await AnsiConsole.Status().StartAsync($"{dataset.Name}: running on the server", async _ =>
                outcome = await RefreshAsync(server, token, dataset.Name, ct));
            return outcome;
        });
        WriteSummary(outcomes);
        return outcomes;
    }

    /// <summary>The server's run of one dataset: its report, whether it published (200) or not (under the problem's <c>run</c>).</summary>
    private static async Task<RunOutcome> RefreshAsync(RunningServer server, string? token, string dataset, CancellationToken ct)
    {
        var answer = await server.PostAsync<RunReport>($"/api/v1/datasets/{Uri.EscapeDataString(dataset)}/refresh?wait=true", token, $"run '{dataset}'", ct);
        if ((answer.Body ?? answer.Problem?.Run) is { } report) return report.ToOutcome();
        // Refused before any run began (a dataset the server does not know, say): a failure with the server's reason.
        return new RunOutcome(dataset, RunStatus.Failed, null, 0, TimeSpan.Zero, answer.Problem?.Detail ?? $"'ladle serve' answered {(int)answer.Status}")
        {
            Category = ErrorCategories.FromSlug(answer.Problem?.Category),
        };
    }

    /// <summary>Materializes with a live progress display and prints a summary table.</summary>
    public static async Task<IReadOnlyList<RunOutcome>> RunAsync(LadleEngine engine, IReadOnlyCollection<string> names, string trigger, CancellationToken ct)
    {
        IReadOnlyList<RunOutcome> results = [];
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.OrdinalIgnoreCase);
                var progress = new Progress<MaterializeProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.Dataset, out var task))
                    {
                        task = context.AddTask(p.Dataset, maxValue: 1);
                        task.IsIndeterminate = true;
                        tasks[p.Dataset] = task;
                    }
                    task.Description = $"{p.Dataset}: {p.Phase} {p.Rows:N0} rows";
                    if (p.IsFinal)
                    {
                        task.IsIndeterminate = false;
                        task.Value = 1;
                        task.StopTask();
                    }
                });
                results = await engine.Publisher.MaterializeAsync(names, trigger, progress, ct);
                // A report can arrive after the run ended (Progress posts it); no bar outlives the run.
                foreach (var task in tasks.Values.Where(t => !t.IsFinished)) task.StopTask();
            });
        WriteSummary(results);
        return results;
    }

    /// <summary>One line per dataset, the same whether it ran here or on the server: its outcome, and why when it did not publish.</summary>
    private static void WriteSummary(IReadOnlyList<RunOutcome> results)
    {
        var table = new Table().AddColumns("dataset", "outcome", "version", "rows", "seconds", "error");
        foreach (var r in results)
        {
            table.AddRow(
                Markup.Escape(r.Dataset),
                r.Published ? "[green]published[/]" : $"[red]{Markup.Escape(OutcomeText(r))}[/]",
                r.Version?.ToString(CultureInfo.InvariantCulture) ?? "",
                r.Rows.ToString("N0", CultureInfo.InvariantCulture),
                r.Duration.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture),
                r.Published ? "" : $"[red]{Markup.Escape(r.Detail ?? r.Error ?? "failed")}[/]");
        }
        AnsiConsole.Write(table);
    }

    /// <summary>"source unavailable", or "failed (query-failed)" with the category that says what to fix.</summary>
    private static string OutcomeText(RunOutcome r) =>
        RunReport.NameOf(r.Status).Replace('_', ' ') + (r.Status == RunStatus.Failed && r.Category is { } c ? $" ({ErrorCategories.Of(c).Slug})" : "");
}
