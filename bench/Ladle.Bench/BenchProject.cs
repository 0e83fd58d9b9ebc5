using Ladle.Cli.Demo;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ladle.Bench;

/// <summary>The demo project generated fresh for a benchmark, with the datasets it needs published.</summary>
internal static class BenchProject
{
    public static async Task<LadleEngine> PrepareAsync(string name, int orders, IReadOnlyCollection<string> datasets)
    {
        var work = Path.Combine(Path.GetTempPath(), "ladle-bench-" + name);
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        Console.WriteLine($"Generating the demo with {orders:N0} orders in {work} …");
        await DemoGenerator.GenerateAsync(work, new DemoOptions { Orders = orders }, null, CancellationToken.None);
        var engine = await LadleEngine.OpenAsync(ProjectLoader.Load(work));
        foreach (var result in await engine.Publisher.MaterializeAsync(datasets, "bench", null, CancellationToken.None))
            if (!result.Published) throw new InvalidOperationException($"{result.Dataset}: {result.Error}");
        return engine;
    }

    /// <summary>Serves the engine on a free loopback port; returns the app (dispose it) and a client for it.</summary>
    public static async Task<(WebApplication App, HttpClient Http)> ServeAsync(LadleEngine engine, bool dev)
    {
        var app = LadleServer.Build(engine, new LadleServerOptions { Http = "127.0.0.1:0", Dev = dev }, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(10) });
    }

    public static async Task<TimeSpan> BestOfAsync(int repeats, Func<Task> run)
    {
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await run();
            if (clock.Elapsed < best) best = clock.Elapsed;
        }
        return best;
    }
}
