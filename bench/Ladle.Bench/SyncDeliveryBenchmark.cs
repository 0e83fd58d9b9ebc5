using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Syncs;
using Ladle.Syncs.Delivery;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ladle.Bench;

/// <summary>
/// Issue 10's delivery benchmark: a first run of a sync that upserts N rows (1M) into a PostgreSQL table (plan,
/// ledger planned → sent → acknowledged, the destination's batches), against PostgreSQL's own COPY of the same rows
/// into the same kind of table (the rows exported by DuckDB to CSV beforehand, not timed), alternately, several
/// rounds; prints each round's ratio, the median and the spread. Goal ≤ 2x.
///
///   LADLE_BENCH_PG="Host=127.0.0.1;Port=55501;Username=postgres;Database=postgres" \
///     dotnet run -c Release --project bench/Ladle.Bench -- sync-deliver [rows=1000000] [rounds=3] [batch=the sync's default, 50000]
///
/// Each round prints where the run spent its time, phase by phase (SyncService.LastProfile).
/// </summary>
internal static class SyncDeliveryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        // The sync's own default batch size for a PostgreSQL table unless one is given.
        int? batch = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null;
        var pg = Environment.GetEnvironmentVariable("LADLE_BENCH_PG")
                 ?? throw new InvalidOperationException("set LADLE_BENCH_PG to an Npgsql connection string (the helper's PostgreSQL: Host=127.0.0.1;Port=55501;Username=postgres;Database=postgres)");
        var work = Path.Combine(Path.GetTempPath(), "ladle-bench-sync-deliver");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Write(work, "ladle.yaml", "name: syncdeliver\nsources:\n  files:\n    kind: files\n    path: data\n");
        Write(work, "datasets/customers.yaml", """
            name: customers
            domain: crm
            source: files
            table: customers.csv
            primary_key: [id]
            columns:
              - { name: id, type: integer }
              - { name: email, type: string }
              - { name: score, type: double }
              - { name: tier, type: string }
            """);
        Write(work, "access.yaml", """
            roles:
              syncer:
                grants:
                  - { actions: [read, export], domains: [crm] }
            principals:
              crm_sync: { kind: service, roles: [syncer] }
            """);
        Write(work, "syncs/crm.yaml", $"""
            name: crm
            source: {"{"} dataset: customers {"}"}
            principal: crm_sync
            destination: {"{"} kind: postgres, connection_env: LADLE_BENCH_PG, table: bench_sync_target {"}"}
            key: {"{"} source: id, destination: id {"}"}
            fields:
              - email
              - score
              - tier
            {(batch is { } size ? $"batch_size: {size}" : "")}
            """);
        var csv = Path.Combine(work, "data", "customers.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(csv)!);
        Console.WriteLine($"Writing {rows:N0} customers in {work} …");
        using (var writer = new StreamWriter(csv, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write("id,email,score,tier\n");
            string[] tiers = ["gold", "silver", "bronze"];
            for (var i = 1; i <= rows; i++) writer.Write(string.Create(CultureInfo.InvariantCulture, $"{i},c{i}@example.com,{i % 997 / 10.0},{tiers[i % 3]}\n"));
        }

        var ladle = new List<double>();
        var reference = new List<double>();
        await using var data = NpgsqlDataSource.Create(pg);
        for (var round = 1; round <= rounds; round++)
        {
            // A fresh project each round, in a directory of its own (a deleted state file could live on in a pooled
            // SQLite connection, and the store in DuckDB's instance cache): the run is a first run (every row a
            // create) into an empty table.
            var root = Path.Combine(work, $"round{round}");
            foreach (var file in new[] { "ladle.yaml", "access.yaml", "datasets/customers.yaml", "syncs/crm.yaml" })
                Write(root, file, File.ReadAllText(Path.Combine(work, file)));
            Directory.CreateSymbolicLink(Path.Combine(root, "data"), Path.Combine(work, "data"));
            await ExecuteAsync(data, "DROP TABLE IF EXISTS bench_sync_target; CREATE TABLE bench_sync_target (id bigint PRIMARY KEY, email text, score double precision, tier text)");
            var project = ProjectLoader.Load(root);
            await using (var engine = await LadleEngine.OpenAsync(project))
            {
                foreach (var result in await engine.Publisher.MaterializeAsync(["customers"], "bench", null, CancellationToken.None))
                    if (!result.Published) throw new InvalidOperationException($"{result.Dataset}: {result.Error}");
                var policy = new AccessPolicy(project, MaskKey.Load(Path.GetDirectoryName(project.StatePath)!), devAnonymousIsAdmin: false);
                await using var audit = new AuditWriter(engine.State, NullLogger<AuditWriter>.Instance);
                var pipeline = new ReadPipeline(project, engine.Reader, engine.Schemas, engine.Semantic, engine.Trust, policy, audit);
                using var http = new HttpClient();
                var service = new SyncService(project, pipeline, engine.Store, engine.State, new SyncDestinations(http));
                var clock = Stopwatch.StartNew();
                var run = await service.RunAsync("crm", "bench", CancellationToken.None);
                ladle.Add(clock.Elapsed.TotalMilliseconds);
                PrintProfile(service.LastProfile("crm"));
                if (run.Status != "succeeded" || run.Acknowledged != rows) throw new InvalidOperationException($"the run {run.Status}: {run.Acknowledged:N0} acknowledged; {run.Error}");
            }
            if (await ScalarAsync(data, "SELECT count(*) FROM bench_sync_target") != rows) throw new InvalidOperationException("the table does not hold every row");

            await ExecuteAsync(data, "DROP TABLE IF EXISTS bench_copy_target; CREATE TABLE bench_copy_target (id bigint PRIMARY KEY, email text, score double precision, tier text)");
            var copyClock = Stopwatch.StartNew();
            await using (var connection = await data.OpenConnectionAsync())
            {
                await using var import = await connection.BeginTextImportAsync("COPY bench_copy_target (id, email, score, tier) FROM STDIN (FORMAT csv, HEADER true)");
                using var file = new StreamReader(csv);
                var buffer = new char[1 << 16];
                int read;
                while ((read = await file.ReadAsync(buffer)) > 0) await import.WriteAsync(buffer.AsMemory(0, read));
            }
            reference.Add(copyClock.Elapsed.TotalMilliseconds);
            if (await ScalarAsync(data, "SELECT count(*) FROM bench_copy_target") != rows) throw new InvalidOperationException("COPY did not load every row");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round}: ladle sync run {ladle[^1],7:F0} ms   COPY {reference[^1],6:F0} ms   ratio {ladle[^1] / reference[^1]:F2}x"));
        }
        var ratios = ladle.Zip(reference, (l, r) => l / r).Order().ToList();
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rows:N0} rows, batches of {batch?.ToString("N0", CultureInfo.InvariantCulture) ?? "the default"}: ladle median {Median(ladle):F0} ms ({rows / Median(ladle) * 1000:N0} rows/s), COPY median {Median(reference):F0} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio median {Median(ratios):F2}x (spread {ratios[0]:F2}x–{ratios[^1]:F2}x; goal ≤ 2.00x)"));
        await ExecuteAsync(data, "DROP TABLE IF EXISTS bench_sync_target; DROP TABLE IF EXISTS bench_copy_target");
        return 0;
    }

    /// <summary>Where the run spent its time, phase by phase.</summary>
    internal static void PrintProfile(SyncRunProfile? profile)
    {
        if (profile is null) return;
        foreach (var (phase, elapsed, count) in profile.Phases)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      {phase,-55} {elapsed.TotalMilliseconds,8:F0} ms  ×{count}"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
