using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ladle.Server.Emulators;

namespace Ladle.Cli.Tests;

/// <summary>
/// The issue's convergence promise, end to end with real processes: a `ladle sync run` inserting contacts into the
/// HubSpot-compatible CRM (in this test process, on loopback) rides out a 429 storm, rejects 1% of the rows for their
/// data, and is killed with SIGKILL halfway while a batch it sent has been applied but not answered. The next run
/// (another `ladle` process) converges: every contact created exactly once, every reject reported with HubSpot's
/// reason, and a run after that, with unchanged data, sends nothing.
/// </summary>
public sealed class SyncConvergenceTests : IDisposable
{
    /// <summary>The issue's 100k rows (about 20 s of a loaded 2-core machine); every assertion scales with it.</summary>
    private const int Rows = 100_000;

    /// <summary>One row in this many has an email HubSpot refuses: 1%.</summary>
    private const int RejectEvery = 100;

    private const int BatchSize = 100;
    private const string Token = "pat-na1-convergence";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-sync-kill-" + Guid.NewGuid().ToString("N"));

    /// <summary>A contact's email; every RejectEvery-th lacks its domain's dot, which HubSpot refuses (spread among the others, as the keys sort).</summary>
    private static string Email(int i) => i % RejectEvery == 0 ? $"contact{i}@example" : $"contact{i}@example.com";

    private void WriteProject()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        Directory.CreateDirectory(Path.Combine(_dir, "datasets"));
        Directory.CreateDirectory(Path.Combine(_dir, "syncs"));
        File.WriteAllText(Path.Combine(_dir, "ladle.yaml"), "name: sync_kill\nsources:\n  files:\n    kind: files\n    path: data\n");
        File.WriteAllText(Path.Combine(_dir, "datasets", "scores.yaml"), """
            name: scores
            domain: crm
            source: files
            table: scores.csv
            primary_key: [id]
            columns:
              - { name: id, type: integer }
              - { name: email, type: string, pii: true, mask: hash }
              - { name: churn, type: double }
              - { name: vip, type: boolean }
            """);
        File.WriteAllText(Path.Combine(_dir, "access.yaml"), """
            roles:
              syncer:
                pii: true
                grants:
                  - { actions: [read, export], domains: [crm] }
            principals:
              crm_sync: { kind: service, roles: [syncer] }
            """);
        File.WriteAllText(Path.Combine(_dir, "syncs", "crm.yaml"), $$"""
            name: crm
            source: { dataset: scores }
            principal: crm_sync
            destination: { kind: hubspot, token_env: HUBSPOT_TOKEN, url_env: HUBSPOT_URL, object: contacts, max_attempts: 10 }
            key: { source: email, destination: email }
            fields:
              - { source: churn, destination: churn_probability, type: double }
              - { source: vip, destination: vip, type: boolean }
            mode: insert
            batch_size: {{BatchSize}}
            """);
        var csv = new StringBuilder("id,email,churn,vip\n");
        for (var i = 1; i <= Rows; i++)
            csv.Append(i).Append(',').Append(Email(i)).Append(',').Append((i % 97 / 97.0).ToString("0.###", CultureInfo.InvariantCulture)).Append(',').Append(i % 10 == 0 ? "true" : "false").Append('\n');
        File.WriteAllText(Path.Combine(_dir, "data", "scores.csv"), csv.ToString());
    }

    [Fact]
    public async Task A_sync_killed_halfway_through_a_429_storm_and_rejects_converges_with_no_duplicate_create_and_every_reject_reported()
    {
        WriteProject();
        await using var crm = await HubSpotEmulator.StartAsync(new HubSpotEmulatorOptions { Token = Token, WindowLimit = 1_000_000 });
        var environment = new Dictionary<string, string> { ["HUBSPOT_TOKEN"] = Token, ["HUBSPOT_URL"] = crm.BaseUrl.ToString() };
        var materialized = await LadleProcess.RunAsync("materialize", "--project", _dir);
        Assert.True(materialized.ExitCode == 0, materialized.Out + materialized.Err);

        // First run: a storm of 429s with Retry-After early on, then SIGKILL while the CRM holds a batch it applied
        // but has not answered (the run's ledger says sent; the CRM has the contacts).
        var killAt = Rows / BatchSize / 2;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Process? first = null;
        var storm = 0;
        crm.Faults = request =>
        {
            if (request.Number is >= 50 and < 54)
            {
                Interlocked.Increment(ref storm);
                return new HubSpotFault.Status(429, RetryAfterSeconds: 1);
            }
            return request.Number == killAt
                ? new HubSpotFault.DropAfterApplying(() =>
                {
                    first!.Kill();
                    killed.TrySetResult();
                })
                : null;
        };
        first = LadleProcess.Start(environment, "sync", "run", "crm", "--project", _dir, "--json");
        var firstOut = first.StandardOutput.ReadToEndAsync();
        var firstErr = first.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
            await first.WaitForExitAsync(limit.Token);
        Assert.True(killed.Task.IsCompleted, $"the first run ended before it was killed (exit {first.ExitCode}): {await firstOut}{await firstErr}");
        Assert.Equal(4, storm);
        var createdBeforeKill = crm.Creates.Count;
        Assert.InRange(createdBeforeKill, Rows / 4, Rows * 3 / 4);
        first.Dispose();

        // The resumed run, another process, through a second storm.
        var resumedCreates = 0;
        crm.Faults = request => request.Operation == "create" && Interlocked.Increment(ref resumedCreates) is 10 or 11
            ? new HubSpotFault.Status(429, RetryAfterSeconds: 1)
            : null;
        var resumed = await LadleProcess.RunAsync(environment, "sync", "run", "crm", "--project", _dir, "--json");
        using var run = JsonDocument.Parse(resumed.Out);
        Assert.True(run.RootElement.GetProperty("status").GetString() == "partial", resumed.Out + resumed.Err);

        // Zero duplicate creates, and every valid contact created.
        var creates = crm.Creates;
        var valid = Enumerable.Range(1, Rows).Where(i => i % RejectEvery != 0).Select(Email).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(valid.Count, creates.Count);
        Assert.DoesNotContain(creates, c => c.Value != 1);
        Assert.True(valid.SetEquals(creates.Keys));
        Assert.Equal(valid.Count, crm.Records().Count);

        // Every reject reported, with HubSpot's reason.
        var listed = await LadleProcess.RunAsync("sync", "rejections", "crm", "--project", _dir, "--json");
        using var rejections = JsonDocument.Parse(listed.Out);
        var rejected = rejections.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("reason").GetString()!);
        Assert.Equal(Enumerable.Range(1, Rows / RejectEvery).Select(i => Email(i * RejectEvery)).Order(StringComparer.Ordinal), rejected.Keys.Order(StringComparer.Ordinal));
        Assert.All(rejected.Values, reason => Assert.Contains("INVALID_EMAIL", reason));

        // Unchanged data: a run sends nothing at all.
        var requests = crm.Requests;
        var again = await LadleProcess.RunAsync(environment, "sync", "run", "crm", "--project", _dir, "--json");
        Assert.True(again.ExitCode == 0, again.Out + again.Err);
        using var quiet = JsonDocument.Parse(again.Out);
        Assert.Equal(0, quiet.RootElement.GetProperty("sent").GetInt64());
        Assert.Equal(requests, crm.Requests);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
