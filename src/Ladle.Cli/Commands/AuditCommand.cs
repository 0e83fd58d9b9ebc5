using System.CommandLine;
using System.Globalization;
using Ladle.Core.Loading;
using Ladle.Engine.Access;
using Ladle.Engine.State;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle audit`: who read what, when, how much, and what was refused.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var principal = new Option<string?>("--principal") { Description = "Only this principal." };
        var dataset = new Option<string?>("--dataset") { Description = "Only this dataset." };
        var since = new Option<string>("--since") { Description = "How far back, e.g. 1d or 2h.", DefaultValueFactory = _ => "1d" };
        var limit = new Option<int>("--limit") { DefaultValueFactory = _ => 200 };
        var command = new Command("audit", "Query the audit log.") { project, principal, dataset, since, limit };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            if (!Durations.TryParse(parse.GetValue(since)!, out var span))
                throw new Core.Errors.InvalidRequestException($"--since '{parse.GetValue(since)}' is not a duration ({Durations.Expected})", "since");
            await using var state = await StateStoreFactory.OpenAsync(loaded, ct);
            var entries = await state.QueryAuditAsync(new AuditQuery(parse.GetValue(principal), parse.GetValue(dataset), DateTimeOffset.UtcNow - span, parse.GetValue(limit)), ct);
            var table = new Table().AddColumns("at", "principal", "interface", "target", "action", "format", "version", "status", "rows", "bytes", "ms", "filters");
            // Entries written before the audit cleaned caller text may still hold escapes: clean again before the terminal sees them.
            static string Safe(string? text) => Markup.Escape(AuditText.Clean(text));
            foreach (var e in entries)
                table.AddRow(e.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Safe(e.Principal), Safe(e.Interface), Safe(e.Target),
                    Safe(e.Action), Safe(e.Format), Safe(e.Version),
                    e.Status == AuditStatuses.Started ? "[yellow]started, not finished[/]" : Safe(e.Status),
                    e.Rows.ToString("N0", CultureInfo.InvariantCulture), e.Bytes.ToString("N0", CultureInfo.InvariantCulture),
                    e.DurationMs.ToString(CultureInfo.InvariantCulture), Safe(e.Filters));
            AnsiConsole.Write(table);
            var unfinished = entries.Count(e => e.Status == AuditStatuses.Started);
            if (unfinished > 0)
                AnsiConsole.MarkupLine($"[yellow]{unfinished} read(s) started and never finished[/]: still streaming, or cut off when the server stopped (how much was sent is unknown).");
            return CliRunner.Ok;
        }));
        return command;
    }
}
