using System.CommandLine;
using Ladle.Core.Loading;
using Ladle.Engine;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle materialize [dataset…]`: build and publish table datasets, with a progress bar each.</summary>
internal static class MaterializeCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var datasets = new Argument<string[]>("dataset") { Arity = ArgumentArity.ZeroOrMore, Description = "Datasets to materialize (with what they depend on); all table datasets when none are named." };
        var command = new Command("materialize", "Build new versions of table datasets and publish them atomically.") { project, datasets };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await using var engine = await LadleEngine.OpenAsync(loaded, cancellationToken: ct);
            var results = await RunAsync(engine, parse.GetValue(datasets) ?? [], "cli", ct);
            return results.All(r => r.Published) ? CliRunner.Ok : CliRunner.Failed;
        }));
        return command;
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
                    if (p.Phase is "published" or "failed")
                    {
                        task.IsIndeterminate = false;
                        task.Value = 1;
                        task.StopTask();
                    }
                });
                results = await engine.Publisher.MaterializeAsync(names, trigger, progress, ct);
            });

        var table = new Table().AddColumns("dataset", "result", "version", "rows", "seconds");
        foreach (var r in results)
        {
            table.AddRow(
                Markup.Escape(r.Dataset),
                r.Published ? "[green]published[/]" : $"[red]{Markup.Escape(r.Error ?? "failed")}[/]",
                r.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                r.Rows.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                r.Duration.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        return results;
    }
}
