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
/// and seeing them in clear; JSON pages and CSV exports; then revenue by month over the 1M orders, a metric
/// query through the same grant's row filter against the admin's explicit filter, the metric cache cleared before
/// every request so both sides compute; all in the same run.
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
                  - { actions: [read, export], datasets: [customers, orders], metrics: [revenue], row_filter: "region = {{ principal.region }}" }
              admin:
                admin: true
            principals:
              eu: { roles: [regional], attributes: { region: europe } }
              root: { roles: [admin] }
            """);
        await using var engine = await LadleEngine.OpenAsync(ProjectLoader.Load(work));
        foreach (var result in await engine.Publisher.MaterializeAsync(["customers", "orders"], "bench", null, CancellationToken.None))
            if (!result.Published) throw new InvalidOperationException(result.Error);
        var tokens = new TokenService(engine.Project, engine.State);
        var eu = (await tokens.CreateAsync("eu", null, "bench", CancellationToken.None)).Token;
        var root = (await tokens.CreateAsync("root", null, "bench", CancellationToken.None)).Token;

        var (app, http) = await BenchProject.ServeAsync(engine, dev: false);
        await using var appScope = app;
        using var httpScope = http;

        const string columns = "customer_id,first_name,email,phone,city,region";
        const string rowsPath = $"/api/v1/datasets/customers/rows?columns={columns}";
        var cases = new List<(string Name, string WithPolicy, string Without, int Repeats, bool Median, bool ClearCache)>
        {
            ("json page (1000 rows) p50", rowsPath + "&limit=1000", rowsPath + "&filter=region:eq:europe&limit=1000", repeats, true, false),
            ("csv export, best of", rowsPath + "&format=csv", rowsPath + "&filter=region:eq:europe&format=csv", Math.Max(5, repeats / 20), false, false),
            // The grant's row filter applies before aggregation. Revenue by month is answered from the orders_daily
            // rollup on both sides (it groups by region, the filtered column); by 'discounted' (an expression no
            // rollup holds) both sides aggregate the published orders. The metric cache is cleared before each.
            ("metric, from rollup p50", "/api/v1/metrics/query?metrics=revenue&granularity=month",
                "/api/v1/metrics/query?metrics=revenue&granularity=month&filter=region:eq:europe", Math.Max(5, repeats / 10), true, true),
            ($"metric, from {orders / 1000:N0}k rows p50", "/api/v1/metrics/query?metrics=revenue&dimensions=discounted&granularity=month",
                "/api/v1/metrics/query?metrics=revenue&dimensions=discounted&granularity=month&filter=region:eq:europe", Math.Max(5, repeats / 10), true, true),
        };

        Console.WriteLine($"Masked columns precomputed at publication in: {string.Join(", ", engine.Store.Masks.List())}");
        Console.WriteLine("Each pair is timed alternately (with, without, with, …) so both sides see the same machine.");
        Console.WriteLine($"{"request",-28} {"with policy",14} {"without",14} {"ratio",8}");
        foreach (var c in cases)
        {
            var (a, b) = await TimePairAsync(http, (eu, c.WithPolicy), (root, c.Without), c.Repeats, c.Median, c.ClearCache ? engine : null);
            // A hash is 64 characters where a phone number is about 15: a masked answer can be larger than the clear one.
            var (bytesA, bytesB) = (await SizeAsync(http, eu, c.WithPolicy), await SizeAsync(http, root, c.Without));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Name,-28} {a.TotalMilliseconds,12:F2}ms {b.TotalMilliseconds,12:F2}ms {a / b,7:F2}x   ({bytesA:N0} against {bytesB:N0} bytes; per byte {a / b * bytesB / bytesA:F2}x)"));
        }
        Console.WriteLine("Goal: policy overhead under 1.1x.");
        return 0;
    }

    private static async Task<(TimeSpan A, TimeSpan B)> TimePairAsync(HttpClient http, (string Token, string Path) a, (string Token, string Path) b, int repeats, bool median, LadleEngine? clearCache)
    {
        var times = (A: new List<TimeSpan>(), B: new List<TimeSpan>());
        for (var i = 0; i < repeats + 3; i++)
        {
            var ta = await TimeOnceAsync(http, a.Token, a.Path, clearCache);
            var tb = await TimeOnceAsync(http, b.Token, b.Path, clearCache);
            if (i < 3) continue;
            times.A.Add(ta);
            times.B.Add(tb);
        }
        TimeSpan Pick(List<TimeSpan> list)
        {
            list.Sort();
            return median ? list[list.Count / 2] : list[0];
        }
        return (Pick(times.A), Pick(times.B));
    }

    private static async Task<long> SizeAsync(HttpClient http, string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync()).LongLength;
    }

    private static async Task<TimeSpan> TimeOnceAsync(HttpClient http, string token, string path, LadleEngine? clearCache)
    {
        clearCache?.Semantic.Cache.Clear();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await response.Content.CopyToAsync(Stream.Null);
        return clock.Elapsed;
    }
}
