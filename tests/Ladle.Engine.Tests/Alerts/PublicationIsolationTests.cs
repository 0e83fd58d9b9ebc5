namespace Ladle.Engine.Tests.Alerts;

/// <summary>Alert delivery may fail or stall; publication must not notice.</summary>
public sealed class PublicationIsolationTests
{
    private const string Orders = "source: files\ntable: orders.csv\nchecks:\n  - type: unique\n    column: id\n";

    [Fact]
    public async Task Publication_completes_while_the_alert_endpoint_hangs()
    {
        await using var listener = await WebhookListener.StartAsync();
        listener.Hang = true;
        using var p = new TestProject("");
        AlertHarness.WriteProject(p, AlertHarness.Channel("team", "webhook", listener.Url()));
        p.Dataset("orders", Orders);
        p.Write("data/orders.csv", "id\n1\n2\n");
        await using var h = await AlertHarness.StartAsync(p, AlertHarness.Fast with { RequestTimeout = TimeSpan.FromMinutes(5), FlushTimeout = TimeSpan.FromMilliseconds(200) });
        Assert.True((await h.MaterializeAsync("orders")).Published);
        p.Write("data/orders.csv", "id\n1\n1\n");
        Assert.True((await h.MaterializeAsync("orders")).Quarantined);
        await listener.WaitForAsync(1);
        for (var i = 0; i < 100 && listener.Hanging == 0; i++) await Task.Delay(20);
        Assert.Equal(1, listener.Hanging);

        // The alert is stuck in flight, and publication goes on regardless.
        p.Write("data/orders.csv", "id\n1\n2\n3\n");
        var recovered = await h.MaterializeAsync("orders");
        Assert.True(recovered.Published, recovered.Error);
        Assert.Equal(3, recovered.Rows);
        Assert.Equal(1, listener.Hanging);
        Assert.Equal(0, h.Dispatcher.Delivered);
        Assert.Equal(3, h.Engine.Catalog.Current("orders")!.Version);
    }

    [Fact]
    public async Task Publication_and_incidents_go_on_when_the_alert_endpoint_is_down()
    {
        using var p = new TestProject("");
        AlertHarness.WriteProject(p, AlertHarness.Channel("team", "webhook", WebhookListener.UnreachableUrl()));
        p.Dataset("orders", Orders);
        p.Write("data/orders.csv", "id\n1\n1\n");
        await using var h = await AlertHarness.StartAsync(p, AlertHarness.Fast with { MaxAttempts = 3 });
        Assert.True((await h.MaterializeAsync("orders")).Quarantined);
        await h.SettleAsync();

        Assert.Equal((0L, 1L), (h.Dispatcher.Delivered, h.Dispatcher.Failed));
        var incident = Assert.Single(await h.Engine.State.ListIncidentsAsync("orders", 10, CancellationToken.None));
        Assert.Null(incident.ResolvedAt);
        p.Write("data/orders.csv", "id\n1\n2\n");
        Assert.True((await h.MaterializeAsync("orders")).Published);
    }
}
