using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Ladle.Cli.Demo;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Engine.Access;

namespace Ladle.Bench;

/// <summary>
/// The cost of policy: the demo's customers read by a principal whose grant has a row filter and two masked
/// columns (email partial, phone hashed), against an admin asking for the same rows with an explicit filter
/// and seeing them in clear; JSON pages and CSV exports, in the same run.
/// </summary>
internal static class PolicyBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var work = Path.Combine(Path.GetTempPath(), "ladle-bench-policy");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        await DemoGenerator.GenerateAsync(work, new DemoOptions { Orders = orders }, null, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(work, "access.yaml"), """
            roles:
              regional:
                grants:
                  - { actions: [read, export], datasets: [customers], row_filter: "region = {{ principal.region }}" }
              admin:
                admin: true
            principals:
              eu: { roles: [regional], attributes: { region: europe } }
              root: { roles: [admin] }
            """);
        await using var engine = await LadleEngine.OpenAsync(ProjectLoader.Load(work));
        foreach (var result in await engine.Publisher.MaterializeAsync(["customers"], "bench", null, CancellationToken.None))
            if (!result.Published) throw new InvalidOperationException(result.Error);
        var tokens = new TokenService(engine.Project, engine.State);
        var eu = (await tokens.CreateAsync("eu", null, "bench", CancellationToken.None)).Token;
        var root = (await tokens.CreateAsync("root", null, "bench", CancellationToken.None)).Token;

        var (app, http) = await BenchProject.ServeAsync(engine, dev: false);
        await using var appScope = app;
        using var httpScope = http;

        const string columns = "customer_id,first_name,email,phone,city,region";
        var withPolicy = (eu, $"/api/v1/datasets/customers/rows?columns={columns}");
        var without = (root, $"/api/v1/datasets/customers/rows?columns={columns}&filter=region:eq:europe");

        Console.WriteLine($"{"request",-28} {"with policy",14} {"without",14} {"ratio",8}");
        foreach (var (name, suffix, n) in new[] { ("json page (1000 rows) p50", "&limit=1000", repeats), ("csv export, best of", "&format=csv", Math.Max(5, repeats / 20)) })
        {
            var a = await TimeAsync(http, withPolicy.eu, withPolicy.Item2 + suffix, n, median: name.Contains("p50", StringComparison.Ordinal));
            var b = await TimeAsync(http, without.root, without.Item2 + suffix, n, median: name.Contains("p50", StringComparison.Ordinal));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {a.TotalMilliseconds,12:F2}ms {b.TotalMilliseconds,12:F2}ms {a / b,7:F2}x"));
        }
        Console.WriteLine("Goal: policy overhead under 1.1x. The metric query half of this benchmark arrives with the semantic layer.");
        return 0;
    }

    private static async Task<TimeSpan> TimeAsync(HttpClient http, string token, string path, int repeats, bool median)
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < repeats + 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var clock = Stopwatch.StartNew();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await response.Content.CopyToAsync(Stream.Null);
            if (i >= 3) times.Add(clock.Elapsed);
        }
        times.Sort();
        return median ? times[times.Count / 2] : times[0];
    }
}
