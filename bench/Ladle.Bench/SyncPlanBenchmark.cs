using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Ladle.Engine.Store;
using Ladle.Syncs;
using Ladle.Syncs.Delivery;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Bench;

/// <summary>
/// Issue 10's planner benchmark: a sync over N customers (1M) whose ledger holds every row as acknowledged, then a
/// publication with 1% of the rows changed. Times `sync plan` (the read through the pipeline as the sync's
/// principal, the diff against the ledger, counts, samples and the plan id) against a hand-written DuckDB anti-join
/// of the same version against the same acknowledged hashes (held in a DuckDB table), alternately, several rounds;
/// prints each round's ratio, the median and the spread. Goal: ≤ 1.5x and under 5 s.
///
///   dotnet run -c Release --project bench/Ladle.Bench -- sync-plan [rows=1000000] [rounds=5]
/// </summary>
internal static class SyncPlanBenchmark
{
    private const string Fields = "{'email': s.email, 'churn_risk': TRY_CAST(s.score AS DOUBLE), 'segment': s.tier}";

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var work = Path.Combine(Path.GetTempPath(), "ladle-bench-sync-plan");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Write(work, "ladle.yaml", "name: syncbench\nsources:\n  files:\n    kind: files\n    path: data\n");
        Write(work, "datasets/customers.yaml", """
            name: customers
            domain: crm
            source: files
            table: customers.csv
            primary_key: [id]
            columns:
              - { name: id, type: integer }
              - { name: email, type: string, pii: true, mask: hash }
              - { name: score, type: string }
              - { name: tier, type: string }
            """);
        Write(work, "access.yaml", """
            roles:
              syncer:
                pii: true
                grants:
                  - { actions: [read, export], domains: [crm] }
            principals:
              crm_sync: { kind: service, roles: [syncer] }
            """);
        Write(work, "syncs/crm.yaml", """
            name: crm
            source: { dataset: customers }
            principal: crm_sync
            destination: { kind: webhook, url_env: LADLE_BENCH_UNUSED_URL }
            key: { source: id, destination: external_id }
            fields:
              - email
              - { source: score, destination: churn_risk, type: double }
              - { source: tier, destination: segment }
            """);
        Console.WriteLine($"Writing {rows:N0} customers in {work} …");
        WriteCustomers(work, rows, changedEvery: 0);

        var project = ProjectLoader.Load(work);
        await using var engine = await LadleEngine.OpenAsync(project);
        await PublishAsync(engine);
        var policy = new AccessPolicy(project, MaskKey.Load(Path.GetDirectoryName(project.StatePath)!), devAnonymousIsAdmin: false);
        await using var audit = new AuditWriter(engine.State, NullLogger<AuditWriter>.Instance);
        var pipeline = new ReadPipeline(project, engine.Reader, engine.Schemas, engine.Semantic, engine.Trust, policy, audit);
        using var http = new HttpClient();
        var service = new SyncService(project, pipeline, engine.Store, engine.State, new SyncDestinations(http));

        Console.WriteLine("Recording every row as acknowledged in the ledger (what a first run leaves) …");
        var clock = Stopwatch.StartNew();
        await AcknowledgeAllAsync(engine, project.Syncs[0].Name);
        Console.WriteLine($"  {clock.Elapsed.TotalSeconds:F1} s; the first plan keeps the store's copy of the ledger:");
        clock.Restart();
        var first = await service.PlanAsync("crm", CancellationToken.None);
        Console.WriteLine($"  first plan {clock.Elapsed.TotalMilliseconds:F0} ms: {first.Counts.Unchanged:N0} unchanged, {first.Counts.ToSend:N0} to send");

        WriteCustomers(work, rows, changedEvery: 100);
        await PublishAsync(engine);
        var version = engine.Catalog.Current("customers")!.Version;
        var table = DuckDbStore.VersionTable("customers", version);
        using (var connection = engine.Store.Open())
        {
            // The reference's acknowledged hashes: the same keys and hashes as the ledger (the planner's copy of it), in a DuckDB table.
            Execute(connection, "CREATE OR REPLACE TABLE bench_acked AS SELECT key, hash FROM ladle_syncs.acked__crm");
        }

        var ladle = new List<double>();
        var reference = new List<double>();
        SyncPlan? plan = null;
        long changed = 0;
        for (var round = 1; round <= rounds; round++)
        {
            clock.Restart();
            plan = await service.PlanAsync("crm", CancellationToken.None);
            ladle.Add(clock.Elapsed.TotalMilliseconds);
            SyncDeliveryBenchmark.PrintProfile(service.LastProfile("crm"));
            clock.Restart();
            using (var connection = engine.Store.Open())
            {
                // What a data engineer would write: hash the mapped fields of the published version and keep the
                // rows whose key is new or whose hash differs from the acknowledged one.
                Execute(connection, $"""
                    CREATE OR REPLACE TEMP TABLE bench_changed AS
                    SELECT s.key, s.payload, s.hash FROM (
                        SELECT CAST(s.id AS VARCHAR) AS key, to_json({Fields})::VARCHAR AS payload, md5(to_json({Fields})::VARCHAR) AS hash FROM {table} s) s
                    LEFT JOIN bench_acked a ON a.key = s.key
                    WHERE a.hash IS NULL OR a.hash <> s.hash
                    """);
                using var count = connection.CreateCommand();
                count.CommandText = "SELECT count(*) FROM bench_changed";
                changed = Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture);
            }
            reference.Add(clock.Elapsed.TotalMilliseconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round}: ladle plan {ladle[^1],6:F0} ms   anti-join {reference[^1],6:F0} ms   ratio {ladle[^1] / reference[^1]:F2}x"));
        }
        if (plan!.Counts.Updates != changed) throw new InvalidOperationException($"the plan has {plan.Counts.Updates:N0} updates, the anti-join {changed:N0} changed rows");
        var ratios = ladle.Zip(reference, (l, r) => l / r).Order().ToList();
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plan {plan.Id}: {plan.Counts.SourceRows:N0} source rows, {plan.Counts.Updates:N0} updates, {plan.Counts.Unchanged:N0} unchanged"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ladle plan median {Median(ladle):F0} ms (min {ladle.Min():F0}, max {ladle.Max():F0}); anti-join median {Median(reference):F0} ms (min {reference.Min():F0}, max {reference.Max():F0})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio median {Median(ratios):F2}x (spread {ratios[0]:F2}x–{ratios[^1]:F2}x; goal ≤ 1.50x, plan under 5 s)"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task PublishAsync(LadleEngine engine)
    {
        foreach (var result in await engine.Publisher.MaterializeAsync(["customers"], "bench", null, CancellationToken.None))
            if (!result.Published) throw new InvalidOperationException($"{result.Dataset}: {result.Error}");
    }

    /// <summary>Acknowledges every row of the served version in the ledger with the hash a plan computes for it.</summary>
    private static async Task AcknowledgeAllAsync(LadleEngine engine, string sync)
    {
        var table = DuckDbStore.VersionTable("customers", engine.Catalog.Current("customers")!.Version);
        using var connection = engine.Store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT CAST(s.id AS VARCHAR), md5(to_json({Fields})::VARCHAR) FROM {table} s";
        using var reader = command.ExecuteReader();
        var chunk = new List<SyncRowEntry>(50_000);
        while (reader.Read())
        {
            chunk.Add(new SyncRowEntry(reader.GetString(0), SyncOperation.Create, reader.GetString(1), SyncRowStatus.Sent, 0, ""));
            if (chunk.Count == chunk.Capacity)
            {
                await engine.State.AcknowledgeSyncRowsAsync(sync, chunk, DateTimeOffset.UtcNow, CancellationToken.None);
                chunk.Clear();
            }
        }
        await engine.State.AcknowledgeSyncRowsAsync(sync, chunk, DateTimeOffset.UtcNow, CancellationToken.None);
    }

    private static void WriteCustomers(string work, int rows, int changedEvery)
    {
        var path = Path.Combine(work, "data", "customers.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write("id,email,score,tier\n");
        string[] tiers = ["gold", "silver", "bronze"];
        for (var i = 1; i <= rows; i++)
        {
            var score = changedEvery > 0 && i % changedEvery == 0 ? i % 97 + 1000 : i % 97;
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{i},c{i}@example.com,{score},{tiers[i % 3]}\n"));
        }
    }

    private static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static void Execute(DuckDB.NET.Data.DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
