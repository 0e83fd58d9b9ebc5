using Ladle.Engine.Alerts;

namespace Ladle.Engine.Tests.Alerts;

/// <summary>Incidents from real publications of a real project, alerted to a real HTTP listener on loopback.</summary>
public sealed class IncidentAlertTests
{
    private const string Orders = "source: files\ntable: orders.csv\ncolumns:\n  - name: id\n    type: integer\n  - name: amount\n    type: double\nchecks:\n  - type: unique\n    column: id\n";

    private static void GoodOrders(TestProject p) => p.Write("data/orders.csv", "id,amount\n1,10.5\n2,20\n3,7.25\n");
    private static void DuplicateOrders(TestProject p) => p.Write("data/orders.csv", "id,amount\n1,10.5\n1,20\n3,7.25\n");

    private static TestProject OrdersProject(WebhookListener listener, string statusInterval = "1h", string? channels = null)
    {
        var p = new TestProject("");
        AlertHarness.WriteProject(p, channels ?? AlertHarness.Channel("team", "webhook", listener.Url()), statusInterval);
        p.Dataset("orders", Orders);
        GoodOrders(p);
        return p;
    }

    [Fact]
    public async Task Quarantined_dataset_alerts_once_however_often_it_fails_and_once_when_it_recovers()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = OrdersProject(listener);
        await using var h = await AlertHarness.StartAsync(p);
        Assert.True((await h.MaterializeAsync("orders")).Published);
        await h.SettleAsync();
        Assert.Empty(listener.Posts);

        DuplicateOrders(p);
        Assert.True((await h.MaterializeAsync("orders")).Quarantined);
        // No explicit pass here: the publisher's event alone must bring the alert (the periodic pass is an hour away).
        var opened = Assert.Single(await listener.WaitForAsync(1));
        Assert.Equal("/hook", opened.Path);
        Assert.StartsWith("application/json", opened.ContentType, StringComparison.Ordinal);
        var json = opened.Json;
        Assert.Equal("incident_opened", json.GetProperty("event").GetString());
        Assert.Equal("orders", json.GetProperty("dataset").GetString());
        Assert.Equal("failed", json.GetProperty("kind").GetString());
        Assert.Equal("failed", json.GetProperty("status").GetString());
        Assert.Contains("unique_id", json.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("test", json.GetProperty("project").GetString());
        Assert.Equal(1, json.GetProperty("version_served").GetInt64());
        Assert.True(json.GetProperty("since").GetDateTimeOffset() <= json.GetProperty("at").GetDateTimeOffset());

        // Failing again, and any number of passes, add nothing: the incident is already open.
        Assert.True((await h.MaterializeAsync("orders")).Quarantined);
        await h.SettleAsync();
        await h.SettleAsync();
        Assert.Single(listener.Posts);

        GoodOrders(p);
        Assert.True((await h.MaterializeAsync("orders")).Published);
        var posts = await listener.WaitForAsync(2);
        var resolved = posts[1].Json;
        Assert.Equal("incident_resolved", resolved.GetProperty("event").GetString());
        Assert.Equal("failed", resolved.GetProperty("kind").GetString());
        Assert.Equal("ok", resolved.GetProperty("status").GetString());
        Assert.Equal(4, resolved.GetProperty("version_served").GetInt64());

        await h.SettleAsync();
        Assert.Equal(2, listener.Posts.Count);
        var incident = Assert.Single(await h.Engine.State.ListIncidentsAsync("orders", 10, CancellationToken.None));
        Assert.Equal(IncidentKinds.Failed, incident.Kind);
        Assert.NotNull(incident.ResolvedAt);
    }

    [Fact]
    public async Task Restart_does_not_alert_again_for_an_incident_that_is_already_open()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = OrdersProject(listener);
        await using (var first = await AlertHarness.StartAsync(p))
        {
            Assert.True((await first.MaterializeAsync("orders")).Published);
            DuplicateOrders(p);
            Assert.True((await first.MaterializeAsync("orders")).Quarantined);
            await listener.WaitForAsync(1);
        }

        await using var second = await AlertHarness.StartAsync(p);
        await second.SettleAsync();
        Assert.Single(listener.Posts);

        GoodOrders(p);
        Assert.True((await second.MaterializeAsync("orders")).Published);
        var posts = await listener.WaitForAsync(2);
        Assert.Equal(["incident_opened", "incident_resolved"], posts.Select(x => x.Json.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task An_alert_cut_off_by_shutdown_is_sent_at_the_next_start_and_only_then()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = OrdersProject(listener);
        listener.Hang = true;
        var impatient = AlertHarness.Fast with { RequestTimeout = TimeSpan.FromMinutes(5), FlushTimeout = TimeSpan.FromMilliseconds(200) };
        await using (var first = await AlertHarness.StartAsync(p, impatient))
        {
            await first.MaterializeAsync("orders");
            DuplicateOrders(p);
            Assert.True((await first.MaterializeAsync("orders")).Quarantined);
            await listener.WaitForAsync(1);
        }   // the endpoint never answered; the flush gave up

        listener.Hang = false;
        await using (var second = await AlertHarness.StartAsync(p))
        {
            await second.SettleAsync();
            var posts = await listener.WaitForAsync(2);
            Assert.Equal(["incident_opened", "incident_opened"], posts.Select(x => x.Json.GetProperty("event").GetString()));
            Assert.Equal("failed", posts[1].Json.GetProperty("kind").GetString());
            Assert.Contains("unique_id", posts[1].Json.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        // Answered this time: a third start owes nothing.
        await using var third = await AlertHarness.StartAsync(p);
        await third.SettleAsync();
        Assert.Equal(2, listener.Posts.Count);
    }

    [Fact]
    public async Task An_incident_opened_by_a_process_that_died_before_alerting_is_alerted_at_the_next_start()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = OrdersProject(listener);
        // What a process killed right after recording the incident leaves behind: the incident, no alert sent.
        await using (var engine = await p.OpenAsync())
        {
            Assert.NotNull(await engine.State.OpenIncidentAsync("orders", IncidentKinds.Stale, "published 3h ago; the SLO is 2h", DateTimeOffset.UtcNow.AddMinutes(-5), CancellationToken.None));
            var resolved = await engine.State.OpenIncidentAsync("orders", IncidentKinds.Failed, "unique_id failed", DateTimeOffset.UtcNow.AddMinutes(-4), CancellationToken.None);
            Assert.Equal(resolved, await engine.State.ResolveIncidentAsync("orders", IncidentKinds.Failed, DateTimeOffset.UtcNow.AddMinutes(-3), CancellationToken.None));
        }

        await using var harness = await AlertHarness.StartAsync(p);
        await harness.SettleAsync();
        var posts = await listener.WaitForAsync(3);
        Assert.Equal([("incident_opened", "stale"), ("incident_opened", "failed"), ("incident_resolved", "failed")],
            posts.Take(3).Select(x => (x.Json.GetProperty("event").GetString(), x.Json.GetProperty("kind").GetString())));
        Assert.Equal("published 3h ago; the SLO is 2h", posts[0].Json.GetProperty("reason").GetString());
        Assert.Empty(await harness.Engine.State.ListUnalertedIncidentsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Recovery_while_stopped_is_alerted_at_the_next_start()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = OrdersProject(listener);
        await using (var first = await AlertHarness.StartAsync(p))
        {
            await first.MaterializeAsync("orders");
            DuplicateOrders(p);
            await first.MaterializeAsync("orders");
            await listener.WaitForAsync(1);
        }
        // Fixed and published by `ladle materialize` while nothing watched.
        GoodOrders(p);
        await using (var engine = await p.OpenAsync())
            Assert.True(Assert.Single(await engine.Publisher.MaterializeAsync(["orders"], "cli", null, CancellationToken.None)).Published);

        await using var second = await AlertHarness.StartAsync(p);
        var posts = await listener.WaitForAsync(2);
        Assert.Equal("incident_resolved", posts[1].Json.GetProperty("event").GetString());
        await second.SettleAsync();
        Assert.Equal(2, listener.Posts.Count);
    }

    [Fact]
    public async Task Stale_dataset_alerts_once_from_the_periodic_pass_and_recovers_when_republished()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = new TestProject("");
        AlertHarness.WriteProject(p, AlertHarness.Channel("team", "webhook", listener.Url()), statusInterval: "1s");
        p.Dataset("events", "source: files\ntable: events.csv\nfreshness:\n  max_age: 2s\n");
        p.Write("data/events.csv", "id\n1\n");
        await using var h = await AlertHarness.StartAsync(p);
        Assert.True((await h.MaterializeAsync("events")).Published);

        // Nothing publishes from here on: only the clock and the periodic pass can notice.
        var stale = Assert.Single(await listener.WaitForAsync(1)).Json;
        Assert.Equal("incident_opened", stale.GetProperty("event").GetString());
        Assert.Equal("stale", stale.GetProperty("kind").GetString());
        Assert.Equal("stale", stale.GetProperty("status").GetString());
        Assert.Contains("promised at most 2s", stale.GetProperty("reason").GetString(), StringComparison.Ordinal);
        await h.SettleAsync();
        await h.SettleAsync();
        Assert.Single(listener.Posts);

        Assert.True((await h.MaterializeAsync("events")).Published);
        var resolved = (await listener.WaitForAsync(2))[1].Json;
        Assert.Equal("incident_resolved", resolved.GetProperty("event").GetString());
        Assert.Equal("stale", resolved.GetProperty("kind").GetString());
        Assert.Equal("ok", resolved.GetProperty("status").GetString());
        Assert.Equal(2, resolved.GetProperty("version_served").GetInt64());
    }

    [Fact]
    public async Task Slack_channel_gets_one_line_of_text_and_a_dataset_filter_keeps_other_channels_quiet()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = OrdersProject(listener, channels:
            "  slack:\n    kind: slack\n    url_env: TEST_SLACK_URL\n" +
            AlertHarness.Channel("customers_team", "webhook", listener.Url("/customers"), datasets: "customers"));
        p.Dataset("customers", "source: files\ntable: orders.csv\n");
        var environment = new Dictionary<string, string> { ["TEST_SLACK_URL"] = listener.Url("/services/T0/B0/secret") };
        await using var h = await AlertHarness.StartAsync(p, environment: name => environment.GetValueOrDefault(name));
        await h.MaterializeAsync("orders");
        DuplicateOrders(p);
        await h.MaterializeAsync("orders");

        var post = Assert.Single(await listener.WaitForAsync(1));
        Assert.Equal("/services/T0/B0/secret", post.Path);
        var property = Assert.Single(post.Json.EnumerateObject());
        Assert.Equal("text", property.Name);
        var text = property.Value.GetString()!;
        Assert.StartsWith("[ladle] orders FAILED: version 2 was quarantined (1 error check(s) failed: unique_id)", text, StringComparison.Ordinal);
        Assert.EndsWith("(project test)", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text);

        GoodOrders(p);
        await h.MaterializeAsync("orders");
        var recovered = (await listener.WaitForAsync(2))[1].Json.GetProperty("text").GetString();
        Assert.Equal("[ladle] orders RECOVERED (was failed): status ok, version 3 served (project test)", recovered);
        await h.SettleAsync();
        Assert.DoesNotContain(listener.Posts, x => x.Path == "/customers");
    }

    [Fact]
    public async Task First_build_that_fails_opens_an_incident_though_nothing_was_ever_published()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = OrdersProject(listener);
        DuplicateOrders(p);
        await using var h = await AlertHarness.StartAsync(p);
        Assert.True((await h.MaterializeAsync("orders")).Quarantined);
        var json = Assert.Single(await listener.WaitForAsync(1)).Json;
        Assert.Equal("failed", json.GetProperty("kind").GetString());
        Assert.Equal("unavailable", json.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("version_served").ValueKind);
    }

    [Fact]
    public async Task An_owed_alert_of_a_sync_incident_is_resent_as_a_sync_alert_not_as_a_dataset_one()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = OrdersProject(listener);
        p.Write("access.yaml", "roles:\n  syncer:\n    grants:\n      - { actions: [read, export], datasets: [orders] }\nprincipals:\n  out_sync: { kind: service, roles: [syncer] }\n");
        p.Write("syncs/orders_out.yaml", "name: orders_out\nsource: { dataset: orders }\nprincipal: out_sync\ndestination: { kind: webhook, url_env: TEST_UNUSED_HOOK }\n" +
            "key: { source: id, destination: id }\nfields: [amount]\n");
        // A sync run that failed opened its incident, and the process stopped before the alert went out.
        await using (var engine = await p.OpenAsync())
            Assert.NotNull(await engine.State.OpenIncidentAsync(IncidentMonitor.SyncSubjectPrefix + "orders_out", "sync_failed",
                "sync 'orders_out' run 1: the destination did not answer", DateTimeOffset.UtcNow, CancellationToken.None));

        await using var h = await AlertHarness.StartAsync(p);
        await h.SettleAsync();
        var json = Assert.Single(await listener.WaitForAsync(1)).Json;
        Assert.Equal("incident_opened", json.GetProperty("event").GetString());
        Assert.Equal("orders_out", json.GetProperty("sync").GetString());
        Assert.Equal("orders", json.GetProperty("dataset").GetString());
        Assert.Equal("sync_failed", json.GetProperty("kind").GetString());
        Assert.Contains("did not answer", json.GetProperty("reason").GetString(), StringComparison.Ordinal);
        await h.SettleAsync();
        Assert.Single(listener.Posts);
    }
    [Fact]
    public async Task An_owed_alert_of_a_stream_incident_is_resent_as_the_streams_alert_with_its_rule_and_key()
    {
        await using var listener = await WebhookListener.StartAsync();
        using var p = OrdersProject(listener);
        p.Write("streams/meters.yaml", "name: meters\ncolumns:\n  - { name: meter, type: string }\n  - { name: at, type: timestamp }\n  - { name: kwh, type: double }\n" +
            "event_time: at\nkeys: [meter]\nwindow: { type: tumbling, size: 1h }\naggregates:\n  - { name: kwh, function: sum, column: kwh }\n" +
            "alerts:\n  - { name: high_use, when: kwh > 3.5 }\n");
        // A window over the threshold opened the incident, and another key's ended, and the process stopped before either alert went out.
        await using (var engine = await p.OpenAsync())
        {
            Assert.NotNull(await engine.State.OpenIncidentAsync("stream:meters", "high_use:m:1",
                "stream 'meters' meter m:1: kwh 4.2 in window [2026-03-01 12:00:00Z, 2026-03-01 13:00:00Z), alert 'high_use' (kwh > 3.5)", DateTimeOffset.UtcNow.AddMinutes(-2), CancellationToken.None));
            var resolved = await engine.State.OpenIncidentAsync("stream:meters", "high_use:m2", "over", DateTimeOffset.UtcNow.AddMinutes(-4), CancellationToken.None);
            Assert.Equal(resolved, await engine.State.ResolveIncidentAsync("stream:meters", "high_use:m2", DateTimeOffset.UtcNow.AddMinutes(-3), CancellationToken.None));
        }

        await using var h = await AlertHarness.StartAsync(p);
        await h.SettleAsync();
        var posts = (await listener.WaitForAsync(3)).Select(x => x.Json).ToList();
        var opened = Assert.Single(posts, j => j.GetProperty("key").GetString() == "m:1");
        Assert.Equal("incident_opened", opened.GetProperty("event").GetString());
        Assert.Equal("meters", opened.GetProperty("stream").GetString());
        Assert.Equal("meters_windows", opened.GetProperty("dataset").GetString());
        Assert.Equal("high_use", opened.GetProperty("kind").GetString());
        Assert.Equal("alerting", opened.GetProperty("status").GetString());
        Assert.Contains("kwh 4.2", opened.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var m2 = posts.Where(j => j.GetProperty("key").GetString() == "m2").Select(j => (j.GetProperty("event").GetString(), j.GetProperty("status").GetString())).ToList();
        Assert.Equal([("incident_opened", "alerting"), ("incident_resolved", "ok")], m2);
        Assert.All(posts, j => Assert.Equal("meters", j.GetProperty("stream").GetString()));
        await h.SettleAsync();
        Assert.Equal(3, listener.Posts.Count);
        Assert.Empty(await h.Engine.State.ListUnalertedIncidentsAsync(CancellationToken.None));
    }
}
