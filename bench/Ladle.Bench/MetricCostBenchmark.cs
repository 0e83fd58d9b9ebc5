using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using DuckDB.NET.Data;
using Ladle.Cli.Demo;
using Ladle.Core.Loading;
using Ladle.Core.Semantic.Queries;
using Ladle.Engine;
using Ladle.Engine.Access;

namespace Ladle.Bench;

/// <summary>
/// Where the time of a small metric query that misses the cache goes, end to end over HTTP: revenue by region over
/// the demo's orders, with the rollup taken out of the model so every request aggregates the published rows. Each
/// round times, alternately: the engine alone running the SQL Ladle compiled; Ladle in-process (plan, compile,
/// execute, read); HTTP with the cache cleared; HTTP answered from the cache (HTTP, auth, plan, cache lookup, encode,
/// audit); and an open endpoint (loopback HTTP alone). Medians, and the differences that price each step.
/// </summary>
internal static class MetricCostBenchmark
{
    private const string Url = "/api/v1/metrics/query?metrics=revenue&dimensions=region";

    public static async Task<int> RunAsync(string[] args)
    {
        var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
        var work = Path.Combine(Path.GetTempPath(), "ladle-bench-metric-cost");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Console.WriteLine($"Generating the demo with {orders:N0} orders in {work} …");
        await DemoGenerator.GenerateAsync(work, new DemoOptions { Orders = orders }, null, CancellationToken.None);
        // No rollup: the query misses the cache and aggregates the rows every time.
        var model = Path.Combine(work, "models", "orders.yaml");
        var lines = (await File.ReadAllLinesAsync(model)).ToList();
        var from = lines.FindIndex(l => l.StartsWith("rollups:", StringComparison.Ordinal));
        var to = lines.FindIndex(from + 1, l => l.Length > 0 && !char.IsWhiteSpace(l[0]) && !l.StartsWith('#'));
        if (from >= 0) lines.RemoveRange(from, (to < 0 ? lines.Count : to) - from);
        await File.WriteAllLinesAsync(model, lines);
        await File.WriteAllTextAsync(Path.Combine(work, "access.yaml"), "roles:\n  admin:\n    admin: true\nprincipals:\n  root: { roles: [admin] }\n");
        // One principal: the demo's syncs and streams, which read or write as principals of their own, are not measured here.
        foreach (var folder in new[] { "syncs", "streams" })
            if (Directory.Exists(Path.Combine(work, folder))) Directory.Delete(Path.Combine(work, folder), recursive: true);
        await using var engine = await LadleEngine.OpenAsync(ProjectLoader.Load(work));
        foreach (var result in await engine.Publisher.MaterializeAsync(["orders"], "bench", null, CancellationToken.None))
            if (!result.Published) throw new InvalidOperationException($"{result.Dataset}: {result.Error}");
        var token = (await new TokenService(engine.Project, engine.State).CreateAsync("root", null, "bench", CancellationToken.None)).Token;
        var (app, http) = await BenchProject.ServeAsync(engine, dev: false);
        await using var appScope = app;
        using var httpScope = http;

        var query = new MetricQuery { Metrics = ["revenue"], Dimensions = ["region"] };
        Ladle.Core.Sql.SqlStatement sql;
        await using (var probe = engine.Semantic.Open(engine.Semantic.Plan(query)))
        {
            if (probe.AnsweredBy != "query") throw new InvalidOperationException($"expected the rows to answer, got {probe.AnsweredBy}");
            sql = probe.Sql;
        }

        var steps = new (string Name, Func<Task> Run)[]
        {
            ("engine: DuckDB runs Ladle's SQL", () => { DuckOnce(engine, sql); return Task.CompletedTask; }),
            ("Ladle in-process (plan..read)", () => InProcessOnceAsync(engine, query)),
            ("HTTP, cache cleared", () => { engine.Semantic.Cache.Clear(); return GetAsync(http, Url, token); }),
            ("HTTP, answered from cache", () => GetAsync(http, Url, token)),
            ("HTTP, open endpoint /healthz", () => GetAsync(http, "/healthz", null)),
        };
        var times = steps.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds + 3; round++)
        {
            // The order rotates each round, so no step always runs right after the same other one.
            for (var k = 0; k < steps.Length; k++)
            {
                var s = (k + round) % steps.Length;
                var start = Stopwatch.GetTimestamp();
                await steps[s].Run();
                if (round >= 3) times[s].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }
        var median = times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
        var compile = PlanAndCompile(engine, query);

        Console.WriteLine($"revenue by region over {orders:N0} orders, no rollup; median of {rounds} rounds, steps alternated");
        for (var s = 0; s < steps.Length; s++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {steps[s].Name,-36} {median[s],9:F2} ms"));
        Console.WriteLine();
        Console.WriteLine("Where an answer that misses the cache spends its time:");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  execute (DuckDB)                      {median[0],9:F2} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  plan + compile                        {compile,9:F3} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  engine-side rest (lease, read, rows)  {median[1] - median[0] - compile,9:F2} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  loopback HTTP (open endpoint)         {median[4],9:F2} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  auth, policy, encode, audit (cached answer - open endpoint) {median[3] - median[4],6:F2} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  unexplained (miss - in-process - cached answer)             {median[2] - median[1] - median[3],6:F2} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"HTTP answer / engine's own time: {median[2] / median[0]:F2}x (goal <= 1.50x)"));
        return 0;
    }

    private static void DuckOnce(LadleEngine engine, Ladle.Core.Sql.SqlStatement sql)
    {
        using var connection = engine.Store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql.Text;
        for (var i = 0; i < sql.Parameters.Count; i++)
            command.Parameters.Add(new DuckDBParameter(Ladle.Core.Sql.SqlDialect.DuckDb.ParameterName(i), sql.Parameters[i]));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            for (var c = 0; c < reader.FieldCount; c++) _ = reader.GetValue(c);
        }
    }

    private static async Task InProcessOnceAsync(LadleEngine engine, MetricQuery query)
    {
        engine.Semantic.Cache.Clear();
        await using var execution = engine.Semantic.Open(engine.Semantic.Plan(query));
        await using var result = await execution.ReadAsync(CancellationToken.None);
        while (await result.ReadAsync(CancellationToken.None) is not null) { }
    }

    private static async Task GetAsync(HttpClient http, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await response.Content.CopyToAsync(Stream.Null);
    }

    private static double PlanAndCompile(LadleEngine engine, MetricQuery query)
    {
        const int n = 200;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var execution = engine.Semantic.Open(engine.Semantic.Plan(query));
            _ = execution.Sql;
            execution.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return clock.Elapsed.TotalMilliseconds / n;
    }
}
