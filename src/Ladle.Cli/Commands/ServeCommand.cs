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
        var pg = new Option<string?>("--pg")
        {
            Description = "Also serve SQL over the PostgreSQL wire protocol on host:port, e.g. 127.0.0.1:5433 (default: server.postgres.listen).",
        };
        var command = new Command("serve", "Serve the project's datasets over HTTP (and SQL over the PostgreSQL wire protocol with --pg).") { project, http, dev, pg };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await ServeAsync(loaded, new LadleServerOptions { Http = parse.GetValue(http), Dev = parse.GetValue(dev), Postgres = parse.GetValue(pg) }, ct);
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
        AnsiConsole.MarkupLine($"Serving [bold]{Markup.Escape(project.Name)}[/] on [link]{address.ToUrl()}[/]  (web UI: {address.ToUrl()}/{(options.Dev ? ", as the local user" : ", sign in with an API token")}; catalog: {address.ToUrl()}/api/v1/datasets)");
        if (host.Postgres is { } postgres)
        {
            var endpoint = postgres.EndPoint;
            AnsiConsole.MarkupLine($"PostgreSQL wire protocol on [bold]{Markup.Escape(endpoint.ToString())}[/]  (psql \"host={Markup.Escape(endpoint.Address.ToString())} port={endpoint.Port} user=<principal> sslmode=require\", password: an API token)");
            AnsiConsole.MarkupLine(postgres.CertificateFingerprint is { } fingerprint
                ? $"  TLS certificate SHA-256 {fingerprint}{(postgres.Settings.Tls.IsSelfSigned ? " (self-signed, under .ladle/)" : "")}"
                : "  [yellow]TLS is off (server.postgres.tls: off): passwords are protected by SCRAM, data is not encrypted.[/]");
        }
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
