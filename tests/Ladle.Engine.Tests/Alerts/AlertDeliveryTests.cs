using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Alerts;

namespace Ladle.Engine.Tests.Alerts;

/// <summary>The dispatcher against a real loopback endpoint that fails, refuses, hangs or is not there.</summary>
public sealed class AlertDeliveryTests
{
    private static readonly AlertEvent Opened = new(AlertEventKind.IncidentOpened, "orders", IncidentKinds.Failed, "failed",
        "version 2 was quarantined", DateTimeOffset.UtcNow, "test", 1, DateTimeOffset.UtcNow);

    private static ProjectDefinition Project(params AlertChannel[] channels) => new()
    {
        Name = "test",
        Root = Path.GetTempPath(),
        Server = new ServerSettings(),
        StorePath = "unused",
        StatePath = "unused",
        Sources = new Dictionary<string, SourceDefinition>(),
        Datasets = [],
        Alerts = channels,
    };

    private static AlertChannel Webhook(string url, string name = "team") =>
        new() { Name = name, Kind = AlertChannelKind.Webhook, Url = url, Location = new SourceLocation("ladle.yaml", 1, 1) };

    private static async Task<AlertDispatcher> StartAsync(ProjectDefinition project, AlertDeliveryOptions? options = null)
    {
        var dispatcher = new AlertDispatcher(project, options ?? AlertHarness.Fast);
        await dispatcher.StartAsync(CancellationToken.None);
        return dispatcher;
    }

    [Fact]
    public async Task Server_errors_are_retried_and_the_alert_is_delivered_once()
    {
        await using var listener = await WebhookListener.StartAsync();
        listener.StatusFor = n => n <= 2 ? 500 : 200;
        await using var dispatcher = await StartAsync(Project(Webhook(listener.Url())));
        dispatcher.Enqueue(Opened);
        await dispatcher.FlushAsync(CancellationToken.None);

        Assert.Equal(3, listener.Posts.Count);
        Assert.Single(listener.Posts.Select(p => p.Body).Distinct());
        Assert.Equal((1L, 0L), (dispatcher.Delivered, dispatcher.Failed));
    }

    [Theory]
    [InlineData(400, 1)]
    [InlineData(403, 1)]
    [InlineData(404, 1)]
    [InlineData(408, 3)]
    [InlineData(429, 3)]
    [InlineData(503, 3)]
    public async Task A_client_error_other_than_408_or_429_is_not_retried(int status, int expectedRequests)
    {
        await using var listener = await WebhookListener.StartAsync();
        listener.StatusFor = n => n <= 2 ? status : 200;
        await using var dispatcher = await StartAsync(Project(Webhook(listener.Url())));
        dispatcher.Enqueue(Opened);
        await dispatcher.FlushAsync(CancellationToken.None);

        Assert.Equal(expectedRequests, listener.Posts.Count);
        Assert.Equal(expectedRequests == 1 ? (0L, 1L) : (1L, 0L), (dispatcher.Delivered, dispatcher.Failed));
    }

    [Fact]
    public async Task Delivery_gives_up_after_the_configured_attempts()
    {
        await using var listener = await WebhookListener.StartAsync();
        listener.StatusFor = _ => 502;
        await using var dispatcher = await StartAsync(Project(Webhook(listener.Url())), AlertHarness.Fast with { MaxAttempts = 4 });
        dispatcher.Enqueue(Opened);
        await dispatcher.FlushAsync(CancellationToken.None);

        Assert.Equal(4, listener.Posts.Count);
        Assert.Equal((0L, 1L), (dispatcher.Delivered, dispatcher.Failed));
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_the_delivery_and_nothing_else()
    {
        await using var dispatcher = await StartAsync(Project(Webhook(WebhookListener.UnreachableUrl())), AlertHarness.Fast with { MaxAttempts = 2 });
        dispatcher.Enqueue(Opened);
        await dispatcher.FlushAsync(CancellationToken.None);
        Assert.Equal((0L, 1L), (dispatcher.Delivered, dispatcher.Failed));
    }

    [Fact]
    public async Task Clean_shutdown_delivers_what_is_still_queued()
    {
        await using var listener = await WebhookListener.StartAsync();
        await using var dispatcher = new AlertDispatcher(Project(Webhook(listener.Url())), AlertHarness.Fast);
        // Queued before the worker runs, so all five are still waiting when shutdown begins.
        for (var i = 0; i < 5; i++) dispatcher.Enqueue(Opened with { Dataset = "orders" + i });
        await dispatcher.StartAsync(CancellationToken.None);
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(5, dispatcher.Delivered);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => "orders" + i), listener.Posts.Select(p => p.Json.GetProperty("dataset").GetString()));
        dispatcher.Enqueue(Opened);
        Assert.Equal(1, dispatcher.Dropped);
    }

    [Fact]
    public async Task Shutdown_waits_for_a_hanging_endpoint_only_as_long_as_the_flush_allows()
    {
        await using var listener = await WebhookListener.StartAsync();
        listener.Hang = true;
        var options = AlertHarness.Fast with { RequestTimeout = TimeSpan.FromMinutes(5), FlushTimeout = TimeSpan.FromMilliseconds(200) };
        await using var dispatcher = await StartAsync(Project(Webhook(listener.Url())), options);
        dispatcher.Enqueue(Opened);
        dispatcher.Enqueue(Opened with { Event = AlertEventKind.IncidentResolved });
        await listener.WaitForAsync(1);

        await dispatcher.StopAsync(CancellationToken.None);
        // The hanging POST was cut off and the one queued behind it abandoned; neither counts as delivered.
        Assert.Equal((0L, 2L), (dispatcher.Delivered, dispatcher.Failed));
    }

    [Fact]
    public async Task A_full_queue_drops_new_alerts_instead_of_waiting()
    {
        await using var dispatcher = new AlertDispatcher(Project(Webhook(WebhookListener.UnreachableUrl())), AlertHarness.Fast with { QueueCapacity = 2 });
        for (var i = 0; i < 5; i++) dispatcher.Enqueue(Opened);
        Assert.Equal(3, dispatcher.Dropped);
    }

    [Fact]
    public async Task A_channel_whose_url_variable_is_unset_is_disabled_and_others_still_deliver()
    {
        await using var listener = await WebhookListener.StartAsync();
        var secret = new AlertChannel { Name = "slack", Kind = AlertChannelKind.Slack, UrlEnv = "UNSET_FOR_TEST", Location = new SourceLocation("ladle.yaml", 1, 1) };
        await using var dispatcher = new AlertDispatcher(Project(secret, Webhook(listener.Url())), AlertHarness.Fast, environment: _ => null);
        await dispatcher.StartAsync(CancellationToken.None);
        Assert.Equal(["team"], dispatcher.ActiveChannels.Select(c => c.Name));
        dispatcher.Enqueue(Opened);
        await dispatcher.FlushAsync(CancellationToken.None);
        Assert.Equal((1L, 1L), (dispatcher.Delivered, dispatcher.Dropped));
        Assert.Single(listener.Posts);
    }

    [Fact]
    public void Webhook_body_carries_every_field_and_slack_text_escapes_its_markup()
    {
        var at = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var alert = new AlertEvent(AlertEventKind.IncidentOpened, "orders", "stale", "stale", "published 3h ago; promised at most 2h <&>",
            at.AddHours(-1), "retail", 7, at);
        using var json = System.Text.Json.JsonDocument.Parse(AlertBody.Webhook(alert));
        Assert.Equal(
            ["event", "dataset", "kind", "status", "reason", "since", "project", "version_served", "at"],
            json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("incident_opened", json.RootElement.GetProperty("event").GetString());
        Assert.Equal("2025-03-01T11:00:00+00:00", json.RootElement.GetProperty("since").GetString());
        Assert.Equal(7, json.RootElement.GetProperty("version_served").GetInt64());

        Assert.Equal("[ladle] orders STALE: published 3h ago; promised at most 2h &lt;&amp;&gt; (project retail)", AlertBody.SlackText(alert));
        var resolved = alert with { Event = AlertEventKind.IncidentResolved, Status = "warn", Reason = "check 'x' failed" };
        Assert.Equal("[ladle] orders RECOVERED (was stale): status warn, version 7 served; check 'x' failed (project retail)", AlertBody.SlackText(resolved));
    }
}
