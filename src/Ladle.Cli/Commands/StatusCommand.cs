using System.CommandLine;
using System.Globalization;
using Ladle.Core.Loading;
using Ladle.Engine.State;
using Ladle.Engine.Trust;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle status`: every dataset's status, version, age and failing checks; works while a server runs.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var command = new Command("status", "Show every dataset's status (ok, warn, stale, failed, unavailable), version, age and failing checks.") { project };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await using var state = StateStoreFactory.Create(loaded);
            var lines = await StatusSnapshot.ReadAsync(loaded, state, ct);
            var table = new Table().AddColumns("dataset", "materialization", "status", "version", "age", "failing checks / reason");
            foreach (var line in lines)
            {
                var age = line.Served?.PublishedAt is { } at ? Durations.Format(DateTimeOffset.UtcNow - at) : "";
                var detail = line.FailingChecks.Count > 0
                    ? string.Join("; ", line.FailingChecks.Select(c => $"{c.Check} ({c.Severity.ToString().ToLowerInvariant()}): {c.Message}"))
                    : line.Health.Reason ?? "";
                table.AddRow(
                    Markup.Escape(line.Dataset.Name),
                    line.Dataset.Materialization.ToString().ToLowerInvariant(),
                    Colour(line.Health.Status),
                    line.Served?.Version.ToString(CultureInfo.InvariantCulture) ?? "",
                    age,
                    Markup.Escape(detail));
            }
            AnsiConsole.Write(table);
            return lines.Any(l => l.Health.Status is DataStatus.Failed or DataStatus.Stale or DataStatus.Unavailable) ? CliRunner.Failed : CliRunner.Ok;
        }));
        return command;
    }

    private static string Colour(DataStatus status) => status switch
    {
        DataStatus.Ok => "[green]ok[/]",
        DataStatus.Warn => "[yellow]warn[/]",
        DataStatus.Stale => "[darkorange]stale[/]",
        DataStatus.Failed => "[red]failed[/]",
        _ => "[grey]unavailable[/]",
    };
}
