using System.Net;
using System.Text.Json;
using Ladle.Engine.Alerts;
using Ladle.Engine.State;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests.Syncs;

/// <summary>/api/v1/syncs over real HTTP: admin only, plans with ids, runs of exactly the plan shown, history, rejections, /metrics, alerts, audit.</summary>
public sealed class SyncsApiTests
{
    private static readonly Dictionary<string, string> Crm = new() { ["crm"] = "batch_size: 10\nthresholds: { max_reject_rate: 20%, min_rows: 10 }" };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_reader_gets_403_from_every_sync_endpoint_and_nothing_is_sent()
    {
        await using var s = await SyncServer.StartAsync(Crm);
        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, "/api/v1/syncs"), (HttpMethod.Get, "/api/v1/syncs/crm"), (HttpMethod.Get, "/api/v1/syncs/crm/runs"),
                     (HttpMethod.Get, "/api/v1/syncs/crm/rejections"), (HttpMethod.Post, "/api/v1/syncs/crm/plan"), (HttpMethod.Post, "/api/v1/syncs/crm/run"),
                 })
        {
            using var response = await s.SendAsync(method, path, "reader");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Empty(s.Receiver.Requests);
        Assert.Empty(await s.Server.Engine.State.ListSyncRunsAsync("crm", 10, CancellationToken.None));
    }

    [Fact]
    public async Task An_admin_lists_plans_runs_exactly_the_plan_shown_and_reads_history_and_rejections()
    {
        await using var s = await SyncServer.StartAsync(Crm);
        var list = await JsonAsync(await s.SendAsync(HttpMethod.Get, "/api/v1/syncs"));
        var crm = Assert.Single(list.EnumerateArray());
        Assert.Equal("crm", crm.GetProperty("name").GetString());
        Assert.Equal("webhook", crm.GetProperty("destination").GetString());
        Assert.Equal(JsonValueKind.Null, crm.GetProperty("last_run").ValueKind);
        using (var missing = await s.SendAsync(HttpMethod.Get, "/api/v1/syncs/crn"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("crm", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var plan = await JsonAsync(await s.SendAsync(HttpMethod.Post, "/api/v1/syncs/crm/plan"));
        var id = plan.GetProperty("id").GetString()!;
        Assert.Matches("^1-[0-9a-f]{24}$", id);
        Assert.Equal(30, plan.GetProperty("counts").GetProperty("creates").GetInt64());
        Assert.Empty(s.Receiver.Requests);
        // The same inputs make the same plan, under the same id.
        Assert.Equal(id, (await JsonAsync(await s.SendAsync(HttpMethod.Post, "/api/v1/syncs/crm/plan"))).GetProperty("id").GetString());

        s.Receiver.Respond = (_, body) => new Ladle.Syncs.Tests.WebhookReceiver.Answer(200,
            body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()!).Where(k => k == "3").ToList());
        var run = await JsonAsync(await s.SendAsync(HttpMethod.Post, $"/api/v1/syncs/crm/run?plan={id}"));
        Assert.Equal("partial", run.GetProperty("status").GetString());
        Assert.Equal(29, run.GetProperty("acknowledged").GetInt64());
        Assert.Equal(1, run.GetProperty("rejected").GetInt64());
        Assert.Equal(30, s.Receiver.Requests.SelectMany(r => r.Body.GetProperty("rows").EnumerateArray()).Count());

        var runs = await JsonAsync(await s.SendAsync(HttpMethod.Get, "/api/v1/syncs/crm/runs"));
        Assert.Equal(run.GetProperty("id").GetInt64(), Assert.Single(runs.EnumerateArray()).GetProperty("id").GetInt64());
        var rejection = Assert.Single((await JsonAsync(await s.SendAsync(HttpMethod.Get, "/api/v1/syncs/crm/rejections"))).EnumerateArray());
        Assert.Equal("3", rejection.GetProperty("key").GetString());
        Assert.Equal("invalid value for this field", rejection.GetProperty("reason").GetString());
        var one = await JsonAsync(await s.SendAsync(HttpMethod.Get, "/api/v1/syncs/crm"));
        Assert.Equal("partial", one.GetProperty("last_run").GetProperty("status").GetString());
        using (var badLimit = await s.SendAsync(HttpMethod.Get, "/api/v1/syncs/crm/runs?limit=0"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
            Assert.Contains("limit", await badLimit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_run_of_a_plan_the_source_or_ledger_moved_past_is_refused_with_409_and_sends_nothing()
    {
        await using var s = await SyncServer.StartAsync(Crm);
        var first = (await JsonAsync(await s.SendAsync(HttpMethod.Post, "/api/v1/syncs/crm/plan"))).GetProperty("id").GetString()!;
        await s.PublishAsync(SyncServer.Customers(1, 31));

        using (var moved = await s.SendAsync(HttpMethod.Post, $"/api/v1/syncs/crm/run?plan={first}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, moved.StatusCode);
            var problem = await moved.Content.ReadAsStringAsync();
            Assert.Contains("the source moved from version 1 to 2", problem, StringComparison.Ordinal);
            Assert.Contains("nothing was sent", problem, StringComparison.Ordinal);
        }
        Assert.Empty(s.Receiver.Requests);
        Assert.Equal("refused", Assert.Single(await s.Server.Engine.State.ListSyncRunsAsync("crm", 10, CancellationToken.None)).Status);

        var second = (await JsonAsync(await s.SendAsync(HttpMethod.Post, "/api/v1/syncs/crm/plan"))).GetProperty("id").GetString()!;
        Assert.NotEqual(first, second);
        Assert.Equal("succeeded", (await JsonAsync(await s.SendAsync(HttpMethod.Post, "/api/v1/syncs/crm/run"))).GetProperty("status").GetString());
        // The ledger moved under the plan shown before that run: refused, though the source did not move.
        using (var ledgerMoved = await s.SendAsync(HttpMethod.Post, $"/api/v1/syncs/crm/run?plan={second}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, ledgerMoved.StatusCode);
            Assert.Contains("the ledger moved", await ledgerMoved.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var malformed = await s.SendAsync(HttpMethod.Post, "/api/v1/syncs/crm/run?plan=latest"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Contains("plan", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Runs_show_as_prometheus_series_and_alert_once_per_incident_and_once_on_recovery_audited_as_the_sync_principal()
    {
        await using var s = await SyncServer.StartAsync(new Dictionary<string, string> { ["crm_alerting"] = "batch_size: 10\nthresholds: { max_reject_rate: 20%, min_rows: 10 }" });
        var dispatcher = s.Server.Services.GetRequiredService<AlertDispatcher>();
        s.Receiver.Respond = (_, _) => new Ladle.Syncs.Tests.WebhookReceiver.Answer(503);
        for (var i = 0; i < 2; i++)
            Assert.Equal("failed", (await JsonAsync(await s.SendAsync(HttpMethod.Post, "/api/v1/syncs/crm_alerting/run"))).GetProperty("status").GetString());
        await dispatcher.FlushAsync(CancellationToken.None);
        var opened = Assert.Single(s.Alerts.Posts).Json;
        Assert.Equal("incident_opened", opened.GetProperty("event").GetString());
        Assert.Equal("crm_alerting", opened.GetProperty("sync").GetString());
        Assert.Equal("sync_failed", opened.GetProperty("kind").GetString());
        Assert.Equal("customers", opened.GetProperty("dataset").GetString());

        s.Receiver.Respond = (_, _) => new Ladle.Syncs.Tests.WebhookReceiver.Answer(200);
        Assert.Equal("succeeded", (await JsonAsync(await s.SendAsync(HttpMethod.Post, "/api/v1/syncs/crm_alerting/run"))).GetProperty("status").GetString());
        await dispatcher.FlushAsync(CancellationToken.None);
        Assert.Equal(2, s.Alerts.Posts.Count);
        var resolved = s.Alerts.Posts[1].Json;
        Assert.Equal("incident_resolved", resolved.GetProperty("event").GetString());
        Assert.Equal("sync_failed", resolved.GetProperty("kind").GetString());

        // Half of the first batches rejected: the breaker stops the run, and that is an incident of its own.
        await s.PublishAsync(SyncServer.Customers(1, 30, i => (i + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        s.Receiver.Respond = (_, body) => new Ladle.Syncs.Tests.WebhookReceiver.Answer(200,
            body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()!).Where(k => int.Parse(k, System.Globalization.CultureInfo.InvariantCulture) % 2 == 0).ToList());
        var broken = await JsonAsync(await s.SendAsync(HttpMethod.Post, "/api/v1/syncs/crm_alerting/run"));
        Assert.Equal("broken", broken.GetProperty("status").GetString());
        Assert.Equal(10, broken.GetProperty("acknowledged").GetInt64() + broken.GetProperty("rejected").GetInt64());
        await dispatcher.FlushAsync(CancellationToken.None);
        Assert.Equal(3, s.Alerts.Posts.Count);
        Assert.Equal("sync_broken", s.Alerts.Posts[2].Json.GetProperty("kind").GetString());

        var metrics = await s.Server.Http.GetStringAsync("/metrics");
        Assert.Contains("ladle_sync_runs_total{sync=\"crm_alerting\",outcome=\"failed\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("ladle_sync_runs_total{sync=\"crm_alerting\",outcome=\"succeeded\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ladle_sync_runs_total{sync=\"crm_alerting\",outcome=\"broken\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ladle_sync_rows_total{sync=\"crm_alerting\",stage=\"acknowledged\"} 35", metrics, StringComparison.Ordinal);
        Assert.Contains("ladle_sync_rows_total{sync=\"crm_alerting\",stage=\"rejected\"} 5", metrics, StringComparison.Ordinal);
        Assert.Contains("ladle_sync_run_duration_seconds_count{sync=\"crm_alerting\"} 4", metrics, StringComparison.Ordinal);
        Assert.Matches("ladle_sync_last_success_timestamp_seconds\\{sync=\"crm_alerting\"\\} [0-9.e+]+", metrics);

        await s.Server.Services.GetRequiredService<Engine.Access.AuditWriter>().FlushAsync();
        var audit = await s.Server.Engine.State.QueryAuditAsync(new AuditQuery(Principal: "crm_sync"), CancellationToken.None);
        var runs = audit.Where(a => a.Action == "sync").ToList();
        Assert.Equal(4, runs.Count);
        Assert.All(runs, a => Assert.Equal("crm_sync", a.Principal));
        Assert.Contains(runs, a => a.Status == "broken");
    }
}
