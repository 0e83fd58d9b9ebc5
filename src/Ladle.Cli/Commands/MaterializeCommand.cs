using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine;
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
            static int ExitCode(IReadOnlyList<MaterializeResult> results) => results.All(r => r.Published) ? CliRunner.Ok : CliRunner.Failed;
            return await RunningServer.OpenOrAskAsync(loaded,
                async engine => ExitCode(await RunAsync(engine, names, "cli", ct)),
                async server => ExitCode(await RunOnServerAsync(loaded, server, names, RunningServer.TokenFrom(parse.GetValue(token)), ct)),
                ct);
        }));
        return command;
    }

    /// <summary>
    /// The same datasets in the same order as a local run (what they depend on first), each run by the server with
    /// <c>POST …/refresh?wait=true</c>; a dataset whose input failed is skipped, as locally.
    /// </summary>
    private static async Task<IReadOnlyList<MaterializeResult>> RunOnServerAsync(
        ProjectDefinition project, RunningServer server, IReadOnlyCollection<string> names, string? token, CancellationToken ct)
    {
        foreach (var name in names) RunningServer.Dataset(project, name);
        var wanted = (names.Count == 0 ? project.Datasets : project.WithDependencies(names)).Where(d => d.Materialization == Materialization.Table).ToList();

        var results = new List<MaterializeResult>();
        var failed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var dataset in wanted)
        {
            if (dataset.DependsOn.FirstOrDefault(failed.Contains) is { } broken)
            {
                failed.Add(dataset.Name);
                results.Add(new MaterializeResult(dataset.Name, false, null, 0, TimeSpan.Zero, $"skipped: its dependency '{broken}' failed to materialize"));
                continue;
            }
            MaterializeResult result = null!;
            await AnsiConsole.Status().StartAsync($"{dataset.Name}: running on the server", async _ =>
                result = await RefreshAsync(server, token, dataset.Name, ct));
            if (!result.Published) failed.Add(dataset.Name);
            results.Add(result);
        }
        WriteSummary(results);
        return results;
    }

    private static async Task<MaterializeResult> RefreshAsync(RunningServer server, string? token, string dataset, CancellationToken ct)
    {
        var (_, json) = await server.PostAsync($"/api/v1/datasets/{Uri.EscapeDataString(dataset)}/refresh?wait=true", token, $"run '{dataset}'", ct);
        // 200 carries the run; a refusal carries it under "run" beside the problem's detail.
        var run = json.TryGetProperty("run", out var inner) ? inner : json;
        if (!run.TryGetProperty("outcome", out var outcome))
            return new MaterializeResult(dataset, false, null, 0, TimeSpan.Zero, json.TryGetProperty("detail", out var detail) ? detail.GetString() : json.ToString());
        var published = outcome.GetString() == "published";
        return new MaterializeResult(
            dataset, published,
            run.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null,
            run.GetProperty("rows").GetInt64(),
            TimeSpan.FromSeconds(run.GetProperty("seconds").GetDouble()),
            published ? null : run.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : outcome.GetString())
        {
            Quarantined = outcome.GetString() == "quarantined",
        };
    }

    /// <summary>Materializes with a live progress display and prints a summary table.</summary>
    public static async Task<IReadOnlyList<MaterializeResult>> RunAsync(LadleEngine engine, IReadOnlyCollection<string> names, string trigger, CancellationToken ct)
    {
        IReadOnlyList<MaterializeResult> results = [];
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

    private static void WriteSummary(IReadOnlyList<MaterializeResult> results)
    {
        var table = new Table().AddColumns("dataset", "result", "version", "rows", "seconds");
        foreach (var r in results)
        {
            table.AddRow(
                Markup.Escape(r.Dataset),
                r.Published ? "[green]published[/]" : $"[red]{Markup.Escape(r.Detail ?? r.Error ?? "failed")}[/]",
                r.Version?.ToString(CultureInfo.InvariantCulture) ?? "",
                r.Rows.ToString("N0", CultureInfo.InvariantCulture),
                r.Duration.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
    }
}
