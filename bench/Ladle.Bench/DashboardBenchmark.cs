using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Ladle.Bench;

/// <summary>
/// The demo's six-tile dashboard (/dashboards/shop) in Chromium, first load to every tile drawn: cold (metric cache
/// emptied, a fresh browser profile) and warm (answers cached, the page's assets in the browser's cache). The
/// reference, timed alternately in the same rounds, is the API alone doing the same work from .NET: the dashboard
/// and its ten metric queries (six tiles, four previous periods) sent at once, cold and warm; the ratio is what the
/// page (assets, scripts, drawing) adds to the data. Goal: under 1 s cold and 300 ms warm.
/// </summary>
internal static class DashboardBenchmark
{
    private const string Dashboard = "shop";

    public static async Task<int> RunAsync(string[] args)
    {
        var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        var chromium = Environment.GetEnvironmentVariable("LADLE_TEST_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            Console.Error.WriteLine($"the dashboard benchmark needs Chromium at {chromium}: apt-get install chromium, or set LADLE_TEST_CHROMIUM");
            return 2;
        }
        await using var engine = await BenchProject.PrepareAsync("dashboard", orders, ["orders"]);
        var (app, http) = await BenchProject.ServeAsync(engine, dev: true);
        await using var appScope = app;
        using var httpScope = http;
        var baseUrl = http.BaseAddress!.ToString().TrimEnd('/');

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        // BypassCSP: the page forbids eval, and Playwright's wait-for-function evaluates its predicate as a string.
        await using var warmContext = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, BypassCSP = true });
        var warmPage = await warmContext.NewPageAsync();
        var tiles = (await http.GetFromJsonAsync<JsonElement>($"/api/v1/dashboards/{Dashboard}")).GetProperty("tiles").GetArrayLength();

        var steps = new (string Name, Func<Task<double>> Run)[]
        {
            ("page, cold (cache emptied, new profile)", async () =>
            {
                engine.Semantic.Cache.Clear();
                await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, BypassCSP = true });
                return await LoadAsync(await context.NewPageAsync(), tiles);
            }),
            ("page, warm (cached answers and assets)", () => LoadAsync(warmPage, tiles)),
            ("API alone, cold (reference)", () => { engine.Semantic.Cache.Clear(); return ApiAsync(http); }),
            ("API alone, warm (reference)", () => ApiAsync(http)),
        };
        // Two rounds not counted: the JIT, DuckDB's first reads and Chromium's start.
        var times = steps.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds + 2; round++)
        {
            for (var k = 0; k < steps.Length; k++)
            {
                // Warm steps right after their cold ones keep their meaning; the pairs alternate which comes first.
                var s = round % 2 == 0 ? k : (k + 2) % steps.Length;
                var ms = await steps[s].Run();
                if (round >= 2) times[s].Add(ms);
            }
        }

        Console.WriteLine($"dashboard '{Dashboard}' ({tiles} tiles) over {orders:N0} orders, Chromium {browser.Version}; {rounds} rounds, ms");
        Console.WriteLine($"{"step",-44} {"median",8} {"min",8} {"p90",8} {"max",8}");
        for (var s = 0; s < steps.Length; s++)
        {
            var sorted = times[s].Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{steps[s].Name,-44} {sorted[sorted.Count / 2],8:F1} {sorted[0],8:F1} {sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(sorted.Count * 0.9) - 1)],8:F1} {sorted[^1],8:F1}"));
        }
        // Where a load's time goes: one cold and one warm load's requests (start and end, ms from navigation start)
        // and the page's own marks, as the browser's performance timeline has them.
        foreach (var (label, cold) in new[] { ("cold", true), ("warm", false) })
        {
            IBrowserContext? fresh = null;
            if (cold)
            {
                engine.Semantic.Cache.Clear();
                fresh = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, BypassCSP = true });
            }
            var page = fresh is null ? warmPage : await fresh.NewPageAsync();
            // LADLE_BENCH_TRACE=folder: a Chrome performance trace of each of these loads (open it in chrome://tracing or Perfetto).
            var trace = Environment.GetEnvironmentVariable("LADLE_BENCH_TRACE") is { Length: > 0 } folder ? Path.Combine(folder, $"dashboard-{label}.json") : null;
            var tracing = trace is null ? null : await TraceAsync(page);
            var total = await LoadAsync(page, tiles);
            if (tracing is not null) await File.WriteAllTextAsync(trace!, await tracing());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"waterfall, {label} ({total:F0} ms):"));
            Console.WriteLine(await page.EvaluateAsync<string>("""
                [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource'), ...performance.getEntriesByType('mark')]
                  .sort((a, b) => a.startTime - b.startTime)
                  .map(e => `  ${e.startTime.toFixed(1).padStart(8)} ${(e.entryType === 'mark' ? '' : (e.startTime + e.duration).toFixed(1)).padStart(8)}  ${e.entryType === 'mark' ? 'mark ' + e.name : new URL(e.name).pathname.replace(/\/ui\/[0-9a-f]+\//, '/ui/…/')}${e.initiatorType ? ' (' + e.initiatorType + ', first byte ' + e.responseStart.toFixed(1) + ')' : ''}${e.entryType === 'navigation' ? `, dom interactive ${e.domInteractive.toFixed(1)}, content loaded ${e.domContentLoadedEventEnd.toFixed(1)}` : ''}`)
                  .join('\n')
                """));
            if (fresh is not null) await fresh.DisposeAsync();
        }
        double Median(int s) => times[s].Order().ElementAt(times[s].Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"page/API: cold {Median(0) / Median(2):F2}x, warm {Median(1) / Median(3):F2}x; goal: cold < 1000 ms ({(Median(0) < 1000 ? "met" : "missed")}), warm < 300 ms ({(Median(1) < 300 ? "met" : "missed")})"));
        return 0;
    }

    /// <summary>Starts a Chrome performance trace of the page (CDP Tracing); the function stops it and answers the trace as JSON.</summary>
    private static async Task<Func<Task<string>>> TraceAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        var events = new List<JsonElement>();
        var complete = new TaskCompletionSource();
        cdp.Event("Tracing.dataCollected").OnEvent += (_, data) =>
        {
            if (data?.GetProperty("value") is { } value) lock (events) events.AddRange(value.EnumerateArray().Select(e => e.Clone()));
        };
        cdp.Event("Tracing.tracingComplete").OnEvent += (_, _) => complete.TrySetResult();
        await cdp.SendAsync("Tracing.start", new Dictionary<string, object>
        {
            ["categories"] = "devtools.timeline,v8.execute,disabled-by-default-devtools.timeline,blink.user_timing,loading,netlog",
            ["transferMode"] = "ReportEvents",
        });
        return async () =>
        {
            await cdp.SendAsync("Tracing.end");
            await complete.Task.WaitAsync(TimeSpan.FromSeconds(30));
            lock (events) return JsonSerializer.Serialize(new { traceEvents = events });
        };
    }

    /// <summary>Navigates to the dashboard and answers, from the page's own clock, the ms from navigation start to every tile drawn.</summary>
    private static async Task<double> LoadAsync(IPage page, int tiles)
    {
        await page.GotoAsync($"/dashboards/{Dashboard}", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await page.WaitForFunctionAsync($"document.querySelectorAll('.tile-body[data-state=drawn]').length === {tiles} && performance.getEntriesByName('ladle-dashboard-drawn').length > 0",
            null, new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 5 });
        var failed = await page.Locator(".tile-body[data-state=failed]").CountAsync();
        if (failed > 0) throw new InvalidOperationException($"{failed} tile(s) failed to draw: {await page.Locator(".tile-body[data-state=failed]").First.InnerTextAsync()}");
        return await page.EvaluateAsync<double>("performance.getEntriesByName('ladle-dashboard-drawn').at(-1).startTime");
    }

    /// <summary>The data the page needs, fetched by .NET: the dashboard, then its tiles' queries at once.</summary>
    private static async Task<double> ApiAsync(HttpClient http)
    {
        var clock = Stopwatch.StartNew();
        var dashboard = await http.GetFromJsonAsync<JsonElement>($"/api/v1/dashboards/{Dashboard}");
        var queries = new List<JsonElement>();
        foreach (var tile in dashboard.GetProperty("tiles").EnumerateArray())
        {
            queries.Add(tile.GetProperty("query"));
            if (tile.GetProperty("previous_query").ValueKind == JsonValueKind.Object) queries.Add(tile.GetProperty("previous_query"));
        }
        await Task.WhenAll(queries.Select(async q =>
        {
            using var response = await http.PostAsJsonAsync("/api/v1/metrics/query", q);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        }));
        return clock.Elapsed.TotalMilliseconds;
    }
}
