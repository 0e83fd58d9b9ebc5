using System.CommandLine;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Engine.Checks;
using Ladle.Engine.Store;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle checks run [dataset…]`: run checks on the served data without publishing anything.</summary>
internal static class ChecksCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var datasets = new Argument<string[]>("dataset") { Arity = ArgumentArity.ZeroOrMore, Description = "Datasets to check; every dataset with checks when none are named." };
        var run = new Command("run", "Run checks on the served version (table datasets) or in the source (live datasets); nothing is published.") { project, datasets };
        run.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await using var engine = await LadleEngine.OpenAsync(loaded, cancellationToken: ct);
            var names = parse.GetValue(datasets) ?? [];
            var chosen = names.Length == 0 ? loaded.Datasets.Where(d => d.Checks.Count > 0).ToList() : names.Select(engine.GetDataset).ToList();
            var table = new Table().AddColumns("dataset", "version", "check", "severity", "result", "message");
            var blocking = false;
            foreach (var dataset in chosen)
            {
                var target = Target(engine, dataset);
                if (target is null)
                {
                    table.AddRow(Markup.Escape(dataset.Name), "", "", "", "[grey]skipped[/]", "nothing published yet");
                    continue;
                }
                var results = await engine.Checks.RunAsync(dataset, target, ct);
                await engine.State.RecordCheckResultsAsync(results, ct);
                foreach (var r in results)
                {
                    blocking |= r.Blocks;
                    table.AddRow(Markup.Escape(dataset.Name), r.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "live", Markup.Escape(r.Check),
                        r.Severity.ToString().ToLowerInvariant(), Outcome(r.Outcome), Markup.Escape(r.Message));
                }
            }
            AnsiConsole.Write(table);
            return blocking ? CliRunner.Failed : CliRunner.Ok;
        }));
        var command = new Command("checks", "Data-quality checks.");
        command.Subcommands.Add(run);
        return command;
    }

    private static CheckTarget? Target(LadleEngine engine, DatasetDefinition dataset)
    {
        if (dataset.Materialization == Materialization.Live)
            return new CheckTarget(engine.ConnectorFor(dataset), engine.ConnectorFor(dataset).Relation(dataset), null, null);
        return engine.Catalog.Current(dataset.Name) is { } served
            ? new CheckTarget(engine.StoreConnector, DuckDbStore.VersionTable(dataset.Name, served.Version), served.Version, served.PublishedAt)
            : null;
    }

    private static string Outcome(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "[green]passed[/]",
        CheckOutcome.Failed => "[red]failed[/]",
        CheckOutcome.Error => "[red]error[/]",
        _ => "[grey]skipped[/]",
    };
}
