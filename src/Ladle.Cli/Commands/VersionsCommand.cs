using System.CommandLine;
using System.Globalization;
using Ladle.Core.Loading;
using Ladle.Engine.State;
using Ladle.Engine.Store;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle versions DATASET`: every attempt, and how to look inside a quarantined one.</summary>
internal static class VersionsCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var dataset = new Argument<string>("dataset");
        var command = new Command("versions", "List a dataset's versions: published, quarantined, failed, dropped, with rows, watermark and errors.") { project, dataset };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var definition = loaded.FindDataset(parse.GetValue(dataset)!)
                ?? throw new Core.Errors.NotFoundException($"no dataset '{parse.GetValue(dataset)}' ({Suggest.Hint(parse.GetValue(dataset)!, loaded.Datasets.Select(d => d.Name).ToList())})");
            await using var state = await StateStoreFactory.OpenAsync(loaded, ct);
            var versions = await state.ListVersionsAsync(definition.Name, 100, ct);
            var table = new Table().AddColumns("version", "status", "trigger", "started", "published", "rows", "watermark", "error");
            static string At(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
            foreach (var v in versions)
                table.AddRow(v.Version.ToString(CultureInfo.InvariantCulture), v.Status.ToString().ToLowerInvariant(), v.Trigger ?? "", At(v.StartedAt), At(v.PublishedAt),
                    v.RowCount?.ToString("N0", CultureInfo.InvariantCulture) ?? "", Markup.Escape(v.Watermark ?? ""), Markup.Escape(v.Error ?? ""));
            AnsiConsole.Write(table);
            if (versions.FirstOrDefault(v => v.Status == VersionStatus.Quarantined) is { } quarantined)
                AnsiConsole.MarkupLine($"Inspect the quarantined rows: [bold]ladle query 'select * from {Markup.Escape(DuckDbStore.VersionTable(definition.Name, quarantined.Version))} limit 20'[/] " +
                                       $"(or GET /api/v1/datasets/{definition.Name}/rows?version={quarantined.Version})");
            return CliRunner.Ok;
        }));
        return command;
    }
}
