using System.Security.Cryptography;
using System.Text;
using Ladle.Engine.State;

namespace Ladle.Syncs.Tests;

/// <summary>Syncs to a real webhook receiver on loopback, from real DuckDB and SQLite files.</summary>
public sealed class WebhookSyncTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly SyncProject _project = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _project.Environment["HOOK_URL"] = _receiver.Url.ToString();
        _project.Environment["HOOK_SECRET"] = "s3cret";
    }

    public async Task DisposeAsync()
    {
        await _project.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private static string Hook(string principal = "crm_sync", string mode = "upsert", int batch = 10, string extra = "") =>
        "source: { dataset: customers }\n" +
        $"principal: {principal}\n" +
        "destination: { kind: webhook, url_env: HOOK_URL, secret_env: HOOK_SECRET, max_attempts: 4 }\n" +
        "key: { source: id, destination: external_id }\n" +
        "fields:\n  - email\n  - { source: score, destination: churn_risk, type: double }\n  - { source: tier, destination: segment }\n" +
        $"mode: {mode}\nbatch_size: {batch}\n{extra}\n";

    [Fact]
    public async Task A_rerun_with_unchanged_data_sends_zero_requests()
    {
        _project.Customers(SyncProject.Range(1, 25)).Sync("crm", Hook());
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());

        var plan = await _project.Service.PlanAsync("crm", None);
        Assert.Equal(new SyncPlanCounts(25, 25, 0, 0, 0, 0, 0), plan.Counts);
        Assert.Empty(_receiver.Requests);

        var first = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("succeeded", first.Status);
        Assert.Equal(25, first.Acknowledged);
        Assert.Equal(3, _receiver.Requests.Count);
        Assert.Equal(25, _receiver.Accepted.Select(a => a.Key).Distinct().Count());

        var second = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("succeeded", second.Status);
        Assert.Equal(0, second.Sent);
        Assert.Equal(25, second.Unchanged);
        Assert.Equal(3, _receiver.Requests.Count);
    }

    [Fact]
    public async Task Only_changed_rows_are_sent_after_a_new_publication_and_their_fields_are_converted()
    {
        _project.Customers(SyncProject.Range(1, 20)).Sync("crm", Hook());
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
        await _project.Service.RunAsync("crm", "test", None);
        _receiver.Accepted.Clear();

        _project.Customers(SyncProject.Range(1, 20, score: i => i == 7 ? "0.85" : (i % 100).ToString(System.Globalization.CultureInfo.InvariantCulture)).Concat(SyncProject.Range(21, 22)));
        Assert.True(await _project.PublishAsync());
        var plan = await _project.Service.PlanAsync("crm", None);
        Assert.Equal((2, 1, 0, 19), (plan.Counts.Creates, plan.Counts.Updates, plan.Counts.Deletes, plan.Counts.Unchanged));
        var update = Assert.Single(plan.Samples, s => s.Kind == "update");
        Assert.Equal("7", update.Key);
        Assert.Contains("\"churn_risk\":0.85", update.After);
        Assert.NotNull(update.BeforeHash);

        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal(3, run.Acknowledged);
        Assert.Equal(["21", "22", "7"], _receiver.Accepted.Select(a => a.Key).Order(StringComparer.Ordinal));
        var sent = _receiver.Accepted.Single(a => a.Key == "7");
        Assert.Equal(0.85, sent.Fields!.Value.GetProperty("churn_risk").GetDouble());
        Assert.Equal("update", sent.Op);
    }

    [Fact]
    public async Task Every_request_is_signed_with_hmac_sha256_of_its_body_and_carries_the_batch_idempotency_key()
    {
        _project.Customers(SyncProject.Range(1, 3)).Sync("crm", Hook());
        await _project.OpenAsync();
        await _project.PublishAsync();
        await _project.Service.RunAsync("crm", "test", None);
        var request = Assert.Single(_receiver.Requests);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData("s3cret"u8.ToArray(), Encoding.UTF8.GetBytes(request.Text)));
        Assert.Equal(expected, request.Headers["X-Ladle-Signature"]);
        Assert.Equal(request.Body.GetProperty("batch").GetString(), request.Headers["Idempotency-Key"]);
    }

    [Fact]
    public async Task Every_row_idempotency_key_the_store_computes_is_the_one_RowKey_defines_for_creates_updates_and_deletes()
    {
        // The diff computes each row's idempotency key in DuckDB (sha256 over text); SyncService.RowKey is the
        // definition. A key with characters outside ASCII (here the email) makes the two agree on UTF-8, not just on digits.
        const string Sync = "source: { dataset: customers }\nprincipal: crm_sync\ndestination: { kind: webhook, url_env: HOOK_URL }\n" +
                            "key: { source: email, destination: email }\nfields:\n  - { source: score, destination: churn_risk }\n  - tier\n" +
                            "mode: mirror\nbatch_size: 10\nthresholds: { max_delete_share: 100% }\n";
        _project.Customers([(1, "ö@x.com", "1", "gold"), (2, "b@x.com", "2", "gold"), (3, "c@x.com", "3", "gold")]).Sync("people", Sync);
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
        Assert.Equal("succeeded", (await _project.Service.RunAsync("people", "test", None)).Status);
        var before = await AcknowledgedAsync("people");

        _project.Customers([(2, "b@x.com", "20", "gold"), (3, "c@x.com", "3", "gold"), (4, "d@x.com", "4", "gold")]);
        Assert.True(await _project.PublishAsync());
        Assert.Equal("succeeded", (await _project.Service.RunAsync("people", "test", None)).Status);
        var after = await AcknowledgedAsync("people");

        var sent = _receiver.Accepted.ToList();
        Assert.Equal(["create", "create", "create", "create", "delete", "update"], sent.Select(a => a.Op).Order(StringComparer.Ordinal));
        foreach (var (key, op, idempotencyKey, _) in sent)
        {
            var (operation, hash) = op switch
            {
                "create" => (SyncOperation.Create, before.TryGetValue(key, out var created) ? created : after[key]),
                "update" => (SyncOperation.Update, after[key]),
                _ => (SyncOperation.Delete, before[key]),
            };
            Assert.Equal(SyncService.RowKey("people", key, operation, hash), idempotencyKey);
        }
    }

    private async Task<Dictionary<string, string>> AcknowledgedAsync(string sync)
    {
        var acknowledged = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var (key, hash) in _project.Engine.State.ReadAcknowledgedAsync(sync, None)) acknowledged[key] = hash;
        return acknowledged;
    }

    [Fact]
    public async Task Null_and_duplicate_keys_and_values_that_do_not_convert_are_refused_before_sending()
    {
        _project.Customers([(1, "a@x.com", "0.5", "gold"), (2, "b@x.com", "high", "gold"), (3, "c@x.com", "1", "gold"), (3, "d@x.com", "2", "gold"), (null, "e@x.com", "1", "gold")])
            .Sync("crm", Hook());
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
        var plan = await _project.Service.PlanAsync("crm", None);
        Assert.Equal(1, plan.Counts.Creates);
        Assert.Equal(4, plan.Counts.Refused);
        var reasons = plan.Samples.Where(s => s.Kind == "refused").Select(s => (s.Key, s.Reason)).ToList();
        Assert.Contains((null, "null key"), reasons);
        Assert.Contains(("3", "duplicate key"), reasons);
        Assert.Contains(("2", "a value does not convert to the type of churn_risk"), reasons);
        Assert.DoesNotContain(reasons, r => r.Reason!.Contains("high", StringComparison.Ordinal));

        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal(1, run.Acknowledged);
        Assert.Equal(["1"], _receiver.Accepted.Select(a => a.Key));
    }

    [Fact]
    public async Task Transient_failures_are_retried_honouring_retry_after_and_converge_without_rejections()
    {
        _project.Customers(SyncProject.Range(1, 30)).Sync("crm", Hook());
        await _project.OpenAsync();
        await _project.PublishAsync();
        _receiver.Respond = (n, _) => n switch
        {
            1 => new WebhookReceiver.Answer(500),
            2 => new WebhookReceiver.Answer(429, RetryAfterSeconds: 0),
            _ => new WebhookReceiver.Answer(200),
        };
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("succeeded", run.Status);
        Assert.Equal(30, run.Acknowledged);
        Assert.Equal(5, _receiver.Requests.Count);
        Assert.Equal(30, _receiver.Accepted.Count);
        // The retried batch is the same batch: same idempotency key.
        var keys = _receiver.Requests.Select(r => r.Headers["Idempotency-Key"]).ToList();
        Assert.Equal(keys[0], keys[1]);
        Assert.Equal(keys[0], keys[2]);
    }

    [Fact]
    public async Task A_rejected_row_stays_owed_with_the_destination_reason_and_is_not_resent_until_it_changes()
    {
        _project.Customers(SyncProject.Range(1, 10)).Sync("crm", Hook());
        await _project.OpenAsync();
        await _project.PublishAsync();
        _receiver.Respond = (_, _) => new WebhookReceiver.Answer(200, ["4"]);
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("partial", run.Status);
        Assert.Equal((9, 1), (run.Acknowledged, run.Rejected));
        var rejection = Assert.Single(await _project.Service.RejectionsAsync("crm", 100, None));
        Assert.Equal(("4", "invalid value for this field"), (rejection.Key, rejection.Reason));

        _receiver.Respond = (_, _) => new WebhookReceiver.Answer(200);
        var again = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal((0, 1), (again.Sent, again.Owed));
        Assert.Single(_receiver.Requests);

        _project.Customers(SyncProject.Range(1, 10, score: i => i == 4 ? "0.4" : (i % 100).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await _project.PublishAsync();
        var fixedRun = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal((1, 1), (fixedRun.Sent, fixedRun.Acknowledged));
        Assert.Empty(await _project.Service.RejectionsAsync("crm", 100, None));
    }

    [Fact]
    public async Task The_circuit_breaker_stops_a_run_whose_first_batches_are_half_rejected()
    {
        _project.Customers(SyncProject.Range(1, 100)).Sync("crm", Hook(extra: "thresholds: { max_reject_rate: 10%, min_rows: 20 }"));
        await _project.OpenAsync();
        await _project.PublishAsync();
        _receiver.Respond = (_, body) => new WebhookReceiver.Answer(200,
            body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()!).Where((_, i) => i % 2 == 0).ToList());
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("broken", run.Status);
        Assert.Equal(2, _receiver.Requests.Count);
        Assert.Equal((10, 10), (run.Acknowledged, run.Rejected));
        Assert.Contains("max_reject_rate", run.Error);
        // What was not sent stays owed: the next plan has it.
        var plan = await _project.Service.PlanAsync("crm", None);
        Assert.Equal(80, plan.Counts.Creates);
    }

    [Fact]
    public async Task A_quarantined_source_does_not_sync()
    {
        _project.Customers(SyncProject.Range(1, 5)).Sync("crm", Hook());
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
        await _project.Service.RunAsync("crm", "test", None);
        _project.Customers(SyncProject.Range(1, 5).Concat(SyncProject.Range(6, 8, tier: "unknown")));
        Assert.False(await _project.PublishAsync());

        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("refused", run.Status);
        Assert.Contains("failed", run.Error);
        Assert.Single(_receiver.Requests);
        await Assert.ThrowsAsync<SyncSourceRefusedException>(() => _project.Service.PlanAsync("crm", None));
    }

    [Fact]
    public async Task A_principal_without_pii_clearance_syncs_hashed_values()
    {
        _project.Customers(SyncProject.Range(1, 3)).Sync("masked", Hook(principal: "crm_masked")).Sync("clear", Hook());
        await _project.OpenAsync();
        await _project.PublishAsync();
        await _project.Service.RunAsync("masked", "test", None);
        var masked = _receiver.Accepted.ToDictionary(a => a.Key, a => a.Fields!.Value.GetProperty("email").GetString());
        _receiver.Accepted.Clear();
        await _project.Service.RunAsync("clear", "test", None);
        var clear = _receiver.Accepted.ToDictionary(a => a.Key, a => a.Fields!.Value.GetProperty("email").GetString());
        Assert.Equal("c1@example.com", clear["1"]);
        Assert.DoesNotContain(masked.Values, v => v!.Contains('@', StringComparison.Ordinal));
        Assert.Equal(3, masked.Values.Distinct().Count());
    }

    [Fact]
    public async Task A_run_is_recorded_in_the_history_with_its_counts()
    {
        _project.Customers(SyncProject.Range(1, 4)).Sync("crm", Hook());
        await _project.OpenAsync();
        await _project.PublishAsync();
        await _project.Service.RunAsync("crm", "first", None);
        await _project.Service.RunAsync("crm", "second", None);
        var history = await _project.Service.HistoryAsync("crm", 10, None);
        Assert.Equal(["second", "first"], history.Select(h => h.Trigger));
        Assert.Equal((4, 4, 1L), (history[1].Creates, history[1].Acknowledged, history[1].SourceVersion ?? 0));
        Assert.All(history, h => Assert.NotNull(h.FinishedAt));
    }
}
