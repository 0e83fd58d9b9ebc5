using System.CommandLine;
using System.Text.Json;
using Ladle.Cli.Demo;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Server.Hosting;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle demo`: generate the demo project with its data, materialize it and serve it.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var dir = new Option<DirectoryInfo>("--dir") { Description = "Where to write the demo project.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(Directory.GetCurrentDirectory(), "ladle-demo")) };
        var orders = new Option<int>("--orders") { Description = "How many orders to generate (the rest scales with it).", DefaultValueFactory = _ => new DemoOptions().Orders };
        var noServe = new Option<bool>("--no-serve") { Description = "Generate and materialize, then exit." };
        var injectBadBatch = new Option<bool>("--inject-bad-batch") { Description = "Then deliver a late batch of orders with duplicate keys, to watch it being quarantined while the good version stays served." };
        var streamRate = new Option<int>("--stream-rate")
        {
            Description = "Thermostat events per second replayed into the thermostat_events stream while serving (0: none).",
            DefaultValueFactory = _ => DemoStreamReplay.DefaultRate,
        };
        streamRate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0) result.AddError("--stream-rate must be 0 (no replay) or a number of events per second, not a negative number");
        });
        var http = CliOptions.Http();
        var dev = CliOptions.Dev();
        var command = new Command("demo", "Generate the demo project (retail/CRM, merchants, thermostats, garment factory), materialize it and serve it.")
        {
            dir, orders, noServe, injectBadBatch, streamRate, http, dev,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var target = parse.GetValue(dir)!.FullName;
            // The factory's sensors read up to now: a lookup of its features right after the demo answers values.
            var options = new DemoOptions { Orders = parse.GetValue(orders), FactoryEnd = DateTime.UtcNow };
            if (Directory.Exists(target)) DemoBadBatch.Remove(target);
            await AnsiConsole.Status().StartAsync("Generating demo data…", async status =>
            {
                var progress = new Progress<DemoProgress>(p => status.Status($"Generating demo data: {Markup.Escape(p.Dataset)} ({p.Completed}/{p.Total})"));
                await DemoGenerator.GenerateAsync(target, options, progress, ct);
            });
            AnsiConsole.MarkupLine($"[green]Generated[/] the demo project in {Markup.Escape(target)}");

            var project = ProjectLoader.Load(target);
            await using (var engine = await LadleEngine.OpenAsync(project, cancellationToken: ct))
            {
                var results = await MaterializeCommand.RunAsync(engine, [], "demo", ct);
                if (results.Any(r => !r.Published)) return CliRunner.Failed;
                if (parse.GetValue(injectBadBatch)) await InjectBadBatchAsync(engine, target, ct);
                await PrintTokensAsync(engine, parse.GetValue(http) ?? project.Server.Http, ct);
            }
            if (parse.GetValue(noServe)) return CliRunner.Ok;

            await using var crm = await DemoCrm.StartAsync(target, ct);
            using var stopReplay = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var replay = StartReplay(target, parse.GetValue(http) ?? project.Server.Http, parse.GetValue(streamRate), stopReplay.Token);
            // Dev mode: the tokens printed above try the roles, and a request without a token is an unrestricted local user.
            await ServeCommand.ServeAsync(project, new LadleServerOptions { Http = parse.GetValue(http), Dev = true }, ct);
            await stopReplay.CancelAsync();
            await replay;
            return CliRunner.Ok;
        }));
        return command;
    }

    /// <summary>Replays the thermostat readings into their stream beside the server (which it waits for); says how to watch.</summary>
    private static Task StartReplay(string target, string http, int rate, CancellationToken ct)
    {
        if (rate == 0) return Task.CompletedTask;
        var address = ListenAddress.Parse(http);
        // A server listening on every interface is reached on loopback.
        var host = address.Host is "0.0.0.0" or "::" or "[::]" or "*" or "+" ? "127.0.0.1" : address.Host;
        var server = new Uri($"http://{host}:{address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        var replay = new DemoStreamReplay(target, server, rate);
        var live = new Uri(server, DemoStreamReplay.LivePath);
        AnsiConsole.MarkupLine($"[green]Thermostat fleet[/]: the recorded readings are replayed into the stream {DemoStreamReplay.Stream} at {rate:N0} events/s " +
                               "(--stream-rate), one window per home and hour. Watch the hours close, live:");
        AnsiConsole.MarkupLine($"     curl -N {live}");
        AnsiConsole.MarkupLine($"     curl -N -H 'Authorization: Bearer <token of home_1001>' {live}   (one home sees only its own hours)");
        AnsiConsole.MarkupLine($"     curl {new Uri(server, "/api/v1/streams/" + DemoStreamReplay.Stream)}   (ingest rate, watermark, lag, alerts raised: a home over 5 kWh in an hour)");
        return Task.Run(async () =>
        {
            try { await replay.RunAsync(ct); }
            catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException or IOException or JsonException)
            {
                CliRunner.Error($"the thermostat replay stopped: {e.Message}");
            }
        }, CancellationToken.None);
    }

    /// <summary>A fresh token for each demo principal, so a newcomer can try the roles with curl.</summary>
    private static async Task PrintTokensAsync(LadleEngine engine, string http, CancellationToken ct)
    {
        var tokens = new Engine.Access.TokenService(engine.Project, engine.State);
        var table = new Table().AddColumns("principal", "roles", "token");
        foreach (var principal in engine.Project.Access.Principals.Values)
        {
            var (token, _) = await tokens.CreateAsync(principal.Name, TimeSpan.FromDays(30), "ladle demo", ct);
            table.AddRow(Markup.Escape(principal.Name), Markup.Escape(string.Join(", ", principal.Roles)), token);
        }
        AnsiConsole.Write(table);
        var url = ListenAddress.Parse(http).ToUrl();
        AnsiConsole.MarkupLine($"Try: curl -H 'Authorization: Bearer <token of merchant_42>' '{url}/api/v1/datasets/merchant_daily_sales/rows?limit=5'");
        AnsiConsole.MarkupLine($"     curl -H 'Authorization: Bearer <token of mia>' '{url}/api/v1/datasets/customers/rows?limit=5'   (email and phone arrive masked)");
        AnsiConsole.MarkupLine("The demo also answers without a token (as --dev does), as an unrestricted local user.");
    }

    private static async Task InjectBadBatchAsync(LadleEngine engine, string target, CancellationToken ct)
    {
        DemoBadBatch.Write(target);
        AnsiConsole.MarkupLine($"[yellow]Delivered a late batch[/] data/shop/{DemoBadBatch.FileName}: 1,000 orders whose ids were already delivered.");
        var result = (await engine.Publisher.MaterializeAsync(["orders"], "demo", null, ct)).Single(r => r.Dataset == "orders");
        if (!result.Quarantined)
        {
            CliRunner.Error($"expected the late batch to be quarantined, but: {result.Error ?? "it was published"}");
            return;
        }
        var served = engine.Catalog.Current("orders")!;
        AnsiConsole.MarkupLine($"[red]orders version {result.Version}[/] {Markup.Escape(result.Error ?? "")}");
        AnsiConsole.MarkupLine($"Version {served.Version} is still served, with status [red]failed[/] on every answer. See /api/v1/datasets/orders/health, " +
                               $"and the quarantined rows at /api/v1/datasets/orders/rows?version={result.Version}. Delete data/shop/{DemoBadBatch.FileName} and materialize to recover.");
    }
}
