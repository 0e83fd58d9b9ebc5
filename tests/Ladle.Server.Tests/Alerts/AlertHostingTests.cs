using System.Text.Json;
using Ladle.Engine.Alerts;
using Ladle.Engine.Tests.Alerts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ladle.Server.Tests.Alerts;

/// <summary>The server runs the incident monitor and the dispatcher as `ladle serve` does.</summary>
public sealed class AlertHostingTests
{
    [Fact]
    public async Task Served_project_alerts_its_channel_when_a_publication_is_quarantined_and_health_lists_the_incident()
    {
        await using var listener = await WebhookListener.StartAsync();
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml",
                $"name: hosted\nsources:\n  files:\n    kind: files\n    path: data\nalerts:\n  team:\n    kind: webhook\n    url: {listener.Url()}\n");
            LoopbackServer.File(root, "data/orders.csv", "id\n1\n2\n");
            LoopbackServer.File(root, "datasets/orders.yaml", "name: orders\nsource: files\ntable: orders.csv\nchecks:\n  - type: unique\n    column: id\n");
        });
        var hosted = server.Services.GetServices<IHostedService>().ToList();
        Assert.Contains(hosted, s => s is AlertDispatcher);
        Assert.Contains(hosted, s => s is IncidentMonitor);

        LoopbackServer.File(server.Root, "data/orders.csv", "id\n1\n1\n");
        Assert.True(Assert.Single(await server.Engine.Publisher.MaterializeAsync(["orders"], "test", null, CancellationToken.None)).Quarantined);

        var post = Assert.Single(await listener.WaitForAsync(1)).Json;
        Assert.Equal("incident_opened", post.GetProperty("event").GetString());
        Assert.Equal("hosted", post.GetProperty("project").GetString());
        using var health = JsonDocument.Parse(await server.Http.GetStringAsync("/api/v1/datasets/orders/health"));
        var incident = Assert.Single(health.RootElement.GetProperty("open_incidents").EnumerateArray());
        Assert.Equal("failed", incident.GetProperty("kind").GetString());
    }
}
