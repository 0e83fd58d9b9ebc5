using System.Globalization;
using Ladle.Server.Emulators;

namespace Ladle.Syncs.Tests;

/// <summary>
/// Syncs into the HubSpot-compatible CRM emulator on loopback (the demo's, here with faults injected), over real
/// HTTP, from real DuckDB and SQLite files: batch upsert/create by email, 207 partial results, 409 conflicts, 429
/// with Retry-After and the rate-limit headers, 5xx retried, 4xx never retried, insert-only look-up before re-sending.
/// </summary>
public sealed class HubSpotSyncTests : IAsyncLifetime
{
    private const string Token = "pat-na1-test-token";
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly SyncProject _project = new();
    private HubSpotEmulator _crm = null!;

    public async Task InitializeAsync() => await StartCrmAsync(new HubSpotEmulatorOptions { Token = Token, WindowLimit = 10_000 });

    private async Task StartCrmAsync(HubSpotEmulatorOptions options)
    {
        if (_crm is not null) await _crm.DisposeAsync();
        _crm = await HubSpotEmulator.StartAsync(options);
        _project.Environment["HUBSPOT_TOKEN"] = Token;
        _project.Environment["HUBSPOT_URL"] = _crm.BaseUrl.ToString();
    }

    public async Task DisposeAsync()
    {
        await _project.DisposeAsync();
        await _crm.DisposeAsync();
    }

    private static string Crm(string mode = "upsert", int batch = 100, int attempts = 4, string extra = "") =>
        "source: { dataset: customers }\n" +
        "principal: crm_sync\n" +
        $"destination: {{ kind: hubspot, token_env: HUBSPOT_TOKEN, url_env: HUBSPOT_URL, object: contacts, max_attempts: {attempts} }}\n" +
        "key: { source: email, destination: email }\n" +
        "fields:\n  - { source: score, destination: churn_risk, type: double }\n  - { source: tier, destination: segment }\n" +
        $"mode: {mode}\nbatch_size: {batch}\n{extra}\n";

    private static string Email(int i) => $"c{i}@example.com";

    private async Task OpenAsync(IEnumerable<(long? Id, string Email, string Score, string Tier)> rows, string yaml)
    {
        _project.Customers(rows).Sync("crm", yaml);
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
    }

    [Fact]
    public async Task Upsert_writes_contacts_by_email_in_batches_of_100_and_a_rerun_sends_nothing()
    {
        await OpenAsync(SyncProject.Range(1, 250), Crm());
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("succeeded", run.Status);
        Assert.Equal(250, run.Acknowledged);
        Assert.Equal(3, _crm.Requests);
        var contacts = _crm.Records();
        Assert.Equal(250, contacts.Count);
        Assert.Equal("7.0", contacts[Email(7)]["churn_risk"]);
        Assert.Equal("gold", contacts[Email(7)]["segment"]);
        Assert.All(_crm.Creates.Values, n => Assert.Equal(1, n));

        var again = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal(("succeeded", 0L), (again.Status, again.Sent));
        Assert.Equal(3, _crm.Requests);

        // A changed score is an update of the same contact, not a new one.
        _project.Customers(SyncProject.Range(1, 250, score: i => i == 7 ? "0.85" : (i % 100).ToString(CultureInfo.InvariantCulture)));
        Assert.True(await _project.PublishAsync());
        var changed = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal((1L, 1L), (changed.Updates, changed.Acknowledged));
        Assert.Equal("0.85", _crm.Records()[Email(7)]["churn_risk"]);
        Assert.Equal(1, _crm.Creates[Email(7)]);
    }

    [Fact]
    public async Task A_207_partial_result_rejects_only_the_rows_hubspot_refused_with_its_reason()
    {
        var rows = SyncProject.Range(1, 30).Select(r => r.Id == 3 ? r with { Email = "not-an-email" } : r);
        await OpenAsync(rows, Crm(extra: "thresholds: { max_reject_rate: 50% }"));
        _crm.Faults = request => new HubSpotFault.Reject(new HashSet<string> { Email(5), Email(17) });
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("partial", run.Status);
        Assert.Equal((27L, 3L), (run.Acknowledged, run.Rejected));
        Assert.Equal(1, _crm.Requests);
        Assert.Equal(27, _crm.Records().Count);

        var rejections = (await _project.Service.RejectionsAsync("crm", 100, None)).ToDictionary(r => r.Key, r => r.Reason);
        Assert.Equal(["c17@example.com", "c5@example.com", "not-an-email"], rejections.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("INVALID_EMAIL", rejections["not-an-email"]);
        Assert.Contains("VALIDATION_ERROR", rejections[Email(5)]);
        Assert.Contains("INVALID_PROPERTY_VALUE on churn_risk", rejections[Email(5)]);

        // Rejected rows stay owed and are not sent again until their data changes.
        _crm.Faults = null;
        var again = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal((0L, 3L), (again.Sent, again.Owed));
        Assert.Equal(1, _crm.Requests);
    }

    [Fact]
    public async Task Insert_rejects_a_contact_that_already_exists_as_a_conflict_and_creates_the_rest_once()
    {
        await OpenAsync(SyncProject.Range(1, 10), Crm(mode: "insert"));
        _crm.Seed("contacts", new Dictionary<string, string> { ["email"] = Email(3), ["segment"] = "theirs" });
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal((9L, 1L), (run.Acknowledged, run.Rejected));
        var rejection = Assert.Single(await _project.Service.RejectionsAsync("crm", 100, None));
        Assert.Equal(Email(3), rejection.Key);
        Assert.Contains("CONFLICT", rejection.Reason);
        Assert.Contains("already exists", rejection.Reason);
        Assert.Equal("theirs", _crm.Records()[Email(3)]["segment"]);
        Assert.False(_crm.Creates.ContainsKey(Email(3)));
        Assert.Equal(9, _crm.Creates.Count);
    }

    [Fact]
    public async Task A_whole_batch_409_rejects_the_records_that_exist_and_sends_the_rest()
    {
        await OpenAsync(SyncProject.Range(1, 10), Crm(mode: "insert"));
        _crm.Seed("contacts", new Dictionary<string, string> { ["email"] = Email(2) });
        var operations = new List<string>();
        _crm.Faults = request =>
        {
            lock (operations) operations.Add(request.Operation);
            return request.Number == 1 ? new HubSpotFault.Status(409) : null;
        };
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal((9L, 1L), (run.Acknowledged, run.Rejected));
        Assert.Equal(["create", "read", "create"], operations);
        Assert.Equal(Email(2), Assert.Single(await _project.Service.RejectionsAsync("crm", 100, None)).Key);
        Assert.Equal(9, _crm.Creates.Count);
    }

    [Fact]
    public async Task A_429_with_retry_after_and_a_5xx_are_retried_and_the_run_converges()
    {
        await OpenAsync(SyncProject.Range(1, 40), Crm(batch: 20));
        var answered = new List<(int Number, IReadOnlyList<string> Keys)>();
        _crm.Faults = request =>
        {
            lock (answered) answered.Add((request.Number, request.Keys));
            return request.Number switch
            {
                1 => new HubSpotFault.Status(429, RetryAfterSeconds: 1),
                2 => new HubSpotFault.Status(503),
                3 => new HubSpotFault.Status(502),
                _ => null,
            };
        };
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("succeeded", run.Status);
        Assert.Equal(40, run.Acknowledged);
        Assert.Equal(5, _crm.Requests);
        // The first batch was sent four times, unchanged; the second once.
        Assert.All(answered.Take(4), a => Assert.Equal(answered[0].Keys, a.Keys));
        Assert.Equal(40, _crm.Creates.Count);
        Assert.All(_crm.Creates.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task The_rate_limit_headers_are_honoured_before_hubspot_has_to_answer_429()
    {
        // Three requests a second: the third answer says none is left, so the fourth waits the window out.
        await StartCrmAsync(new HubSpotEmulatorOptions { Token = Token, WindowLimit = 3, Window = TimeSpan.FromSeconds(1) });
        await OpenAsync(SyncProject.Range(1, 70), Crm(batch: 10));
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal(("succeeded", 70L), (run.Status, run.Acknowledged));
        Assert.Equal(7, _crm.Requests);
        Assert.Equal(0, _crm.Throttled);
    }

    [Fact]
    public async Task The_daily_limit_stops_the_run_and_leaves_the_rest_owed()
    {
        await StartCrmAsync(new HubSpotEmulatorOptions { Token = Token, WindowLimit = 1_000, DailyLimit = 2 });
        await OpenAsync(SyncProject.Range(1, 50), Crm(batch: 10));
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("failed", run.Status);
        Assert.Contains("daily", run.Error);
        Assert.Equal(20, run.Acknowledged);
        // The second answer said the day was used up: nothing more was asked.
        Assert.Equal(2, _crm.Requests);
        Assert.Equal(30, (await _project.Service.PlanAsync("crm", None)).Counts.Creates);
    }

    [Fact]
    public async Task A_4xx_is_never_retried_only_the_row_at_fault_is_rejected()
    {
        await OpenAsync(SyncProject.Range(1, 8), Crm());
        var requests = new List<IReadOnlyList<string>>();
        _crm.Faults = request =>
        {
            lock (requests) requests.Add(request.Keys);
            return request.Keys.Contains(Email(6)) ? new HubSpotFault.Status(400) : null;
        };
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal((7L, 1L), (run.Acknowledged, run.Rejected));
        // Halved until the row at fault was alone, and that request was sent once.
        Assert.Single(requests, keys => keys.SequenceEqual([Email(6)]));
        Assert.Contains("VALIDATION_ERROR", Assert.Single(await _project.Service.RejectionsAsync("crm", 100, None)).Reason);
        Assert.Equal(7, _crm.Records().Count);
    }

    [Fact]
    public async Task A_refused_token_fails_the_run_at_once_naming_its_variable()
    {
        await OpenAsync(SyncProject.Range(1, 5), Crm());
        _project.Environment["HUBSPOT_TOKEN"] = "wrong";
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal("failed", run.Status);
        Assert.Contains("HUBSPOT_TOKEN", run.Error);
        Assert.Contains("401", run.Error);
        Assert.DoesNotContain("wrong", run.Error);
        // Refused once, not retried.
        Assert.Equal(1, _crm.Requests);
        Assert.Equal(5, (await _project.Service.PlanAsync("crm", None)).Counts.Creates);
    }

    [Fact]
    public async Task Insert_looks_up_what_a_lost_answer_created_before_sending_it_again()
    {
        await OpenAsync(SyncProject.Range(1, 30), Crm(mode: "insert", batch: 10));
        var operations = new List<string>();
        _crm.Faults = request =>
        {
            lock (operations) operations.Add(request.Operation);
            return request.Number == 2 ? new HubSpotFault.DropAfterApplying() : null;
        };
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal(("succeeded", 30L, 0L), (run.Status, run.Acknowledged, run.Rejected));
        Assert.Equal(["create", "create", "read", "create"], operations);
        Assert.Equal(30, _crm.Creates.Count);
        Assert.All(_crm.Creates.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Insert_rows_left_in_flight_by_a_failed_run_are_looked_up_by_the_next_run_not_created_twice()
    {
        await OpenAsync(SyncProject.Range(1, 30), Crm(mode: "insert", batch: 10, attempts: 1));
        _crm.Faults = request => request.Number == 2 ? new HubSpotFault.DropAfterApplying() : null;
        var first = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal(("failed", 10L), (first.Status, first.Acknowledged));

        var operations = new List<string>();
        _crm.Faults = request =>
        {
            lock (operations) operations.Add(request.Operation);
            return null;
        };
        var second = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal(("succeeded", 10L, 0L), (second.Status, second.Acknowledged, second.Rejected));
        Assert.Equal(["read", "create"], operations);
        Assert.Empty(await _project.Service.RejectionsAsync("crm", 100, None));
        Assert.Equal(30, _crm.Creates.Count);
        Assert.All(_crm.Creates.Values, n => Assert.Equal(1, n));
        Assert.Equal(0, (await _project.Service.PlanAsync("crm", None)).Counts.ToSend);
    }

    [Fact]
    public async Task A_slow_answer_past_the_timeout_is_retried_and_a_dropped_connection_too()
    {
        await OpenAsync(SyncProject.Range(1, 20), Crm(batch: 10).Replace("max_attempts: 4", "max_attempts: 4, timeout: 1s", StringComparison.Ordinal));
        _crm.Faults = request => request.Number switch
        {
            1 => new HubSpotFault.Slow(TimeSpan.FromSeconds(5)),
            2 => new HubSpotFault.Drop(),
            _ => null,
        };
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal(("succeeded", 20L), (run.Status, run.Acknowledged));
        Assert.Equal(20, _crm.Creates.Count);
        Assert.All(_crm.Creates.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Mirror_archives_exactly_the_contacts_that_left_the_source()
    {
        await OpenAsync(SyncProject.Range(1, 10), Crm(mode: "mirror", extra: "thresholds: { max_delete_share: 50% }"));
        Assert.Equal("succeeded", (await _project.Service.RunAsync("crm", "test", None)).Status);
        _project.Customers(SyncProject.Range(1, 10).Where(r => r.Id is not (4 or 9)));
        Assert.True(await _project.PublishAsync());
        var operations = new List<string>();
        _crm.Faults = request =>
        {
            lock (operations) operations.Add(request.Operation);
            return null;
        };
        var run = await _project.Service.RunAsync("crm", "test", None);
        Assert.Equal(("succeeded", 2L, 2L), (run.Status, run.Deletes, run.Acknowledged));
        Assert.Equal(["read", "archive"], operations);
        Assert.Equal(Enumerable.Range(1, 10).Where(i => i is not (4 or 9)).Select(Email).Order(StringComparer.Ordinal), _crm.Records().Keys.Order(StringComparer.Ordinal));
    }
}
