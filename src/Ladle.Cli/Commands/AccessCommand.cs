using System.CommandLine;
using Ladle.Core.Loading;
using Ladle.Engine.State;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle access report`: grants nobody used and datasets nobody read — candidates to drop.</summary>
internal static class AccessCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var days = new Option<int>("--days") { Description = "Look back this many days.", DefaultValueFactory = _ => 30 };
        var report = new Command("report", "List grants nobody used and datasets nobody read in the last N days (unused data is a risk).") { project, days };
        report.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await using var state = await StateStoreFactory.OpenAsync(loaded, ct);
            if (parse.GetValue(days) is < 1 or > 36_500)
                throw new Core.Errors.InvalidRequestException($"--days must be from 1 to 36500, not {parse.GetValue(days)}", "days");
            var since = DateTimeOffset.UtcNow.AddDays(-parse.GetValue(days));
            var reads = (await state.QueryAuditAsync(new AuditQuery(Since: since, Limit: 1_000_000), ct)).Where(e => e.Status == "ok").ToList();
            var readDatasets = reads.Select(r => r.Target).ToHashSet(StringComparer.OrdinalIgnoreCase);

            var grants = new Table().AddColumns("principal", "role", "grant", "used");
            foreach (var principal in loaded.Access.Principals.Values)
            {
                var theirs = reads.Where(r => string.Equals(r.Principal, principal.Name, StringComparison.OrdinalIgnoreCase)).Select(r => r.Target).ToHashSet(StringComparer.OrdinalIgnoreCase);
                foreach (var role in loaded.Access.RolesOf(principal.Name))
                {
                    foreach (var grant in role.Grants)
                    {
                        var covered = loaded.Datasets.Where(d => grant.Datasets.Any(x => x == "*" || string.Equals(x, d.Name, StringComparison.OrdinalIgnoreCase))
                            || grant.Domains.Any(x => x == "*" || string.Equals(x, d.Domain, StringComparison.OrdinalIgnoreCase))).Select(d => d.Name);
                        if (!covered.Any(theirs.Contains))
                            grants.AddRow(Markup.Escape(principal.Name), Markup.Escape(role.Name), Markup.Escape(grant.Describe()), "[yellow]not used[/]");
                    }
                }
            }
            AnsiConsole.MarkupLine($"[bold]Grants not used in {parse.GetValue(days)} days[/]");
            AnsiConsole.Write(grants);
            var unread = new Table().AddColumns("dataset", "domain", "owner");
            foreach (var dataset in loaded.Datasets.Where(d => !readDatasets.Contains(d.Name)))
                unread.AddRow(Markup.Escape(dataset.Name), Markup.Escape(dataset.Domain ?? ""), Markup.Escape(dataset.Owner ?? ""));
            AnsiConsole.MarkupLine($"[bold]Datasets nobody read in {parse.GetValue(days)} days[/]");
            AnsiConsole.Write(unread);
            return CliRunner.Ok;
        }));
        var command = new Command("access", "Access governance reports.");
        command.Subcommands.Add(report);
        return command;
    }
}
