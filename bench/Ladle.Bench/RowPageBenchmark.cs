using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Ladle.Cli.Demo;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Engine.Access;

namespace Ladle.Bench;

/// <summary>
/// The admin's clear JSON page (1000 customers) over HTTP, many times in one process: p50/p90 wall time and, from
/// getrusage, CPU and voluntary context switches per request (client and server together), so a change in wall time
/// can be told apart as more work or more waiting. Run it on two builds alternately; hundreds of requests still
/// include tiering warm-up, thousands do not.
/// </summary>
internal static class RowPageBenchmark
{
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);

    public static async Task<int> RunAsync(string[] args)
    {
        var orders = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
        var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        var work = Path.Combine(Path.GetTempPath(), "ladle-bench-rowpage-" + Environment.ProcessId);
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        await DemoGenerator.GenerateAsync(work, new DemoOptions { Orders = orders }, null, CancellationToken.None);
        // Only the admin exists here: the demo's syncs read as principals this access.yaml does not declare.
        Directory.Delete(Path.Combine(work, "syncs"), recursive: true);
        await File.WriteAllTextAsync(Path.Combine(work, "access.yaml"), "roles:\n  admin:\n    admin: true\nprincipals:\n  root: { roles: [admin] }\n");
        await using var engine = await LadleEngine.OpenAsync(ProjectLoader.Load(work));
        foreach (var result in await engine.Publisher.MaterializeAsync(["customers"], "bench", null, CancellationToken.None))
            if (!result.Published) throw new InvalidOperationException(result.Error);
        var root = (await new TokenService(engine.Project, engine.State).CreateAsync("root", null, "bench", CancellationToken.None)).Token;
        var (app, http) = await BenchProject.ServeAsync(engine, dev: false);
        await using var appScope = app;
        using var httpScope = http;
        const string path = "/api/v1/datasets/customers/rows?columns=customer_id,first_name,email,phone,city,region&filter=region:eq:europe&limit=1000";
        for (var i = 0; i < 30; i++) await GetAsync(http, root, path);
        var walls = new List<double>();
        getrusage(0, out var before);
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            await GetAsync(http, root, path);
            walls.Add(clock.Elapsed.TotalMilliseconds);
        }
        getrusage(0, out var after);
        walls.Sort();
        double Cpu(RUsage u) => u.UtimeSec * 1000.0 + u.UtimeUsec / 1000.0 + u.StimeSec * 1000.0 + u.StimeUsec / 1000.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rowpage p50 {walls[walls.Count / 2]:F2} ms, p90 {walls[walls.Count * 9 / 10]:F2} ms, cpu/req {(Cpu(after) - Cpu(before)) / repeats:F2} ms, voluntary cs/req {(after.NvCsw - before.NvCsw) / (double)repeats:F1}, involuntary cs/req {(after.NivCsw - before.NivCsw) / (double)repeats:F1}, threads now {Process.GetCurrentProcess().Threads.Count}"));
        Directory.Delete(work, recursive: true);
        return 0;
    }

    private static async Task GetAsync(HttpClient http, string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }
}
