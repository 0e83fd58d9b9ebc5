using System.CommandLine;
using Ladle.Core.Loading;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle validate`: load and check the whole project without running anything.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var command = new Command("validate", "Check ladle.yaml, datasets, models, dashboards and access.yaml; print every error with file:line:column.") { project };
        command.SetAction((parse, ct) => CliRunner.RunAsync(() =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var checks = loaded.Datasets.Sum(d => d.Checks.Count);
            AnsiConsole.MarkupLine($"[green]ok[/]: project '{Markup.Escape(loaded.Name)}', {loaded.Sources.Count} source(s), {loaded.Datasets.Count} dataset(s), " +
                $"{checks} check(s), {loaded.Semantic.Models.Count} model(s), {loaded.Semantic.Metrics.Count} metric(s), {loaded.Dashboards.Count} dashboard(s), " +
                $"{loaded.Access.Roles.Count} role(s), {loaded.Access.Principals.Count} principal(s), {loaded.Alerts.Count} alert channel(s)");
            return Task.FromResult(CliRunner.Ok);
        }));
        return command;
    }
}
