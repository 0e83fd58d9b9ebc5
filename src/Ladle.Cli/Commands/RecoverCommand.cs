using System.CommandLine;
using System.Globalization;
using Ladle.Core.Loading;
using Ladle.Engine.State;
using Ladle.Engine.Versions;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle recover`: rebuild the state's version records from the store after state.db was lost or restored from an older copy.</summary>
internal static class RecoverCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var command = new Command("recover",
            "Rebuild the version records of .ladle/state.db from the store's own manifest, after state.db was lost or restored from an older copy. " +
            "Stop the server first. Safe to run twice.") { project };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var report = await LedgerRecovery.RecoverAsync(loaded, ct);
            if (report.Restored.Count == 0 && report.Unrecorded.Count == 0)
            {
                AnsiConsole.WriteLine($"The state already knows all {report.AlreadyKnown} version(s) in the store; nothing to rebuild.");
                return CliRunner.Ok;
            }
            AnsiConsole.WriteLine($"Rebuilt the version records of {loaded.StatePath} from {loaded.StorePath}:");
            var table = new Table().AddColumns("dataset", "versions", "published", "quarantined", "failed/interrupted", "dropped");
            foreach (var group in report.Restored.GroupBy(v => v.Dataset, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase))
            {
                string Count(params VersionStatus[] statuses) => group.Count(v => statuses.Contains(v.Status)).ToString(CultureInfo.InvariantCulture);
                table.AddRow(Markup.Escape(group.Key), VersionRanges.Numbers(group.Select(v => v.Version)),
                    Count(VersionStatus.Published), Count(VersionStatus.Quarantined),
                    Count(VersionStatus.Failed, VersionStatus.Interrupted, VersionStatus.Building), Count(VersionStatus.Dropped));
            }
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine($"{report.Restored.Count} version record(s) rebuilt; {report.AlreadyKnown} already known.");
            if (report.Unrecorded.Count > 0)
                AnsiConsole.WriteLine($"{report.Unrecorded.Count} version table(s) had no record anywhere and are kept as quarantined (inspectable, never served): " +
                                      VersionRanges.Describe(report.Unrecorded.Select(v => (v.Dataset, v.Version))) + ".");
            AnsiConsole.WriteLine(report.StateWasMissing
                ? "Not rebuilt, since only the lost state.db held them: API tokens (create them again with 'ladle tokens create'), the audit history, check results and incidents."
                : "Kept as the restored state.db has them (anything newer is lost): API tokens, the audit history, check results and incidents.");
            AnsiConsole.WriteLine("Start the server with 'ladle serve'.");
            return CliRunner.Ok;
        }));
        return command;
    }
}
