using System.CommandLine;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Engine.Alerts;
using Ladle.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle serve`: load the project and answer HTTP until stopped.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var http = CliOptions.Http();
        var dev = CliOptions.Dev();
        var command = new Command("serve", "Serve the project's datasets over HTTP.") { project, http, dev };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await ServeAsync(loaded, new LadleServerOptions { Http = parse.GetValue(http), Dev = parse.GetValue(dev) }, ct);
            return CliRunner.Ok;
        }));
        return command;
    }

    /// <summary>Runs the server over a loaded project until <paramref name="cancellationToken"/> fires.</summary>
    public static async Task ServeAsync(ProjectDefinition project, LadleServerOptions options, CancellationToken cancellationToken)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        await using var engine = await LadleEngine.OpenAsync(project, loggers: loggers, cancellationToken: cancellationToken);
        await using var host = await LadleServerHost.StartAsync(engine, options, logging => logging.SetMinimumLevel(LogLevel.Warning), cancellationToken);
        var address = ListenAddress.Parse(options.Http ?? project.Server.Http);
        AnsiConsole.MarkupLine($"Serving [bold]{Markup.Escape(project.Name)}[/] on [link]{address.ToUrl()}[/]  (catalog: {address.ToUrl()}/api/v1/datasets)");
        if (options.Dev) AnsiConsole.MarkupLine("[yellow]--dev: requests are served without authentication. Do not expose this server.[/]");
        if (project.Alerts.Count > 0)
        {
            // A channel whose URL variable is unset would otherwise stay silent until the day it is needed.
            var active = host.Services.GetRequiredService<AlertDispatcher>().ActiveChannels.Select(c => c.Name).ToHashSet();
            AnsiConsole.MarkupLine("Alerts to: " + string.Join(", ", project.Alerts.Select(c => active.Contains(c.Name)
                ? $"{Markup.Escape(c.Name)} ({c.Kind.ToString().ToLowerInvariant()})"
                : $"[red]{Markup.Escape(c.Name)} (disabled: {Markup.Escape(c.UrlEnv is null ? "its url is not http(s)" : c.UrlEnv + " is unset or not a URL")})[/]")));
        }

        await host.WaitForShutdownAsync(cancellationToken);
        await host.StopAsync(CancellationToken.None);
    }
}
