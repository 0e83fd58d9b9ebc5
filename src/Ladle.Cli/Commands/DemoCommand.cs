using System.CommandLine;
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
        var http = CliOptions.Http();
        var dev = CliOptions.Dev();
        var command = new Command("demo", "Generate the demo project (retail/CRM, merchants, thermostats, garment factory), materialize it and serve it.")
        {
            dir, orders, noServe, http, dev,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var target = parse.GetValue(dir)!.FullName;
            var options = new DemoOptions { Orders = parse.GetValue(orders) };
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
            }
            if (parse.GetValue(noServe)) return CliRunner.Ok;

            // Until access control exists, the demo is a local, anonymous server.
            await ServeCommand.ServeAsync(project, new LadleServerOptions { Http = parse.GetValue(http), Dev = true }, ct);
            return CliRunner.Ok;
        }));
        return command;
    }
}
