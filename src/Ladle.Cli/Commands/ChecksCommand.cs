using System.CommandLine;
using System.Globalization;
using System.Net;
using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Server.Apis;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>
/// `ladle checks run [dataset…]`: run checks on the served data without publishing anything. While `ladle serve`
/// holds the store, the server runs them (`POST /api/v1/datasets/{name}/checks/run`).
/// </summary>
internal static class ChecksCommand
{
    /// <summary>One line of the results table, whichever process ran the check.</summary>
    private sealed record Line(string Dataset, string Version, string Check, string Severity, string Outcome, string Message);

    public static Command Create()
    {
        var project = CliOptions.Project();
        var datasets = new Argument<string[]>("dataset") { Arity = ArgumentArity.ZeroOrMore, Description = "Datasets to check; every dataset with checks when none are named." };
        var token = RunningServer.TokenOption();
        var run = new Command("run", "Run checks on the served version (table datasets) or in the source (live datasets); nothing is published.") { project, datasets, token };
        run.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var names = parse.GetValue(datasets) ?? [];
            var chosen = names.Length == 0 ? loaded.Datasets.Where(d => d.Checks.Count > 0).ToList() : names.Select(n => RunningServer.Dataset(loaded, n)).ToList();
            return await RunningServer.OpenOrAskAsync(loaded,
                async engine => Write(await RunLocallyAsync(engine, chosen, ct)),
                async server => Write(await RunOnServerAsync(server, RunningServer.TokenFrom(parse.GetValue(token)), chosen, ct)),
                ct);
        }));
        var command = new Command("checks", "Data-quality checks.");
        command.Subcommands.Add(run);
        return command;
    }

    private static async Task<List<Line>> RunLocallyAsync(LadleEngine engine, IReadOnlyList<DatasetDefinition> datasets, CancellationToken ct)
    {
        var lines = new List<Line>();
        foreach (var dataset in datasets)
        {
            try
            {
                foreach (var r in await engine.Checks.RunOnServedAsync(dataset, ct))
                    lines.Add(new Line(dataset.Name, r.Version?.ToString(CultureInfo.InvariantCulture) ?? "live", r.Check,
                        r.Severity.ToString().ToLowerInvariant(), r.Blocks ? "blocking" : r.Outcome.ToString().ToLowerInvariant(), r.Message));
            }
            catch (DatasetUnavailableException)
            {
                lines.Add(new Line(dataset.Name, "", "", "", "skipped", "nothing published yet"));
            }
        }
        return lines;
    }

    private static async Task<List<Line>> RunOnServerAsync(RunningServer server, string? token, IReadOnlyList<DatasetDefinition> datasets, CancellationToken ct)
    {
        var lines = new List<Line>();
        foreach (var dataset in datasets)
        {
            var answer = await server.PostAsync<TrustApi.ChecksRunResponse>($"/api/v1/datasets/{Uri.EscapeDataString(dataset.Name)}/checks/run", token, $"run the checks of '{dataset.Name}'", ct);
            if (answer.Status == HttpStatusCode.ServiceUnavailable && dataset.Materialization == Materialization.Table)
            {
                lines.Add(new Line(dataset.Name, "", "", "", "skipped", answer.Problem?.Detail ?? "nothing published yet"));
                continue;
            }
            if (answer.Body is not { } response)
                throw new SourceUnavailableException("ladle serve", $"'ladle serve' at {server.Url} answered {(int)answer.Status} to the checks of '{dataset.Name}': {answer.Problem?.Detail}");
            var version = response.Version?.ToString(CultureInfo.InvariantCulture) ?? "live";
            foreach (var r in response.Results)
            {
                lines.Add(new Line(dataset.Name, version, r.Check, r.Severity,
                    r.Severity == "error" && r.Outcome is "failed" or "error" ? "blocking" : r.Outcome, r.Message ?? ""));
            }
        }
        return lines;
    }

    /// <summary>Prints the table; exit 1 when an error check failed, as a publication would have been refused.</summary>
    private static int Write(IReadOnlyList<Line> lines)
    {
        var table = new Table().AddColumns("dataset", "version", "check", "severity", "result", "message");
        foreach (var l in lines)
            table.AddRow(Markup.Escape(l.Dataset), l.Version, Markup.Escape(l.Check), l.Severity, Outcome(l.Outcome), Markup.Escape(l.Message));
        AnsiConsole.Write(table);
        return lines.Any(l => l.Outcome == "blocking") ? CliRunner.Failed : CliRunner.Ok;
    }

    private static string Outcome(string outcome) => outcome switch
    {
        "passed" => "[green]passed[/]",
        "failed" => "[yellow]failed[/]",
        "blocking" => "[red]failed (error)[/]",
        "error" => "[red]error[/]",
        _ => "[grey]" + Markup.Escape(outcome) + "[/]",
    };
}
