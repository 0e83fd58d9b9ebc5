using System.CommandLine;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Engine.Alerts;
using Ladle.Engine.Scheduling;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
        await using var app = LadleServer.Build(engine, options, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(cancellationToken);
        var address = ListenAddress.Parse(options.Http ?? project.Server.Http);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? address.ToUrl();
        using var announced = RunningServer.Announce(project, bound);
        AnsiConsole.MarkupLine($"Serving [bold]{Markup.Escape(project.Name)}[/] on [link]{address.ToUrl()}[/]  (catalog: {address.ToUrl()}/api/v1/datasets)");
        if (options.Dev) AnsiConsole.MarkupLine("[yellow]--dev: requests are served without authentication. Do not expose this server.[/]");
        if (project.Alerts.Count > 0)
        {
            // A channel whose URL variable is unset would otherwise stay silent until the day it is needed.
            var active = app.Services.GetRequiredService<AlertDispatcher>().ActiveChannels.Select(c => c.Name).ToHashSet();
            AnsiConsole.MarkupLine("Alerts to: " + string.Join(", ", project.Alerts.Select(c => active.Contains(c.Name)
                ? $"{Markup.Escape(c.Name)} ({c.Kind.ToString().ToLowerInvariant()})"
                : $"[red]{Markup.Escape(c.Name)} (disabled: {Markup.Escape(c.UrlEnv is null ? "its url is not http(s)" : c.UrlEnv + " is unset or not a URL")})[/]")));
        }

        // Table datasets that were never published are built once in the background, so a new project serves
        // without a separate materialize step; requests for them answer 503 until then. They go through the
        // scheduler's queue like every other run, so a refresh or schedule meanwhile joins them instead of racing.
        var unpublished = project.Datasets
            .Where(d => d.Materialization == Materialization.Table && engine.Catalog.Current(d.Name) is null)
            .Select(d => d.Name).ToList();
        if (unpublished.Count > 0) app.Services.GetRequiredService<DatasetScheduler>().Request(unpublished, "startup");

        try
        {
            await app.WaitForShutdownAsync(cancellationToken);
        }
        catch (OperationCanceledException) { }
        // Stopping the host stops the scheduler: runs under way are cancelled and recorded as interrupted, to run again at the next start.
        await app.StopAsync(CancellationToken.None);
    }
}
