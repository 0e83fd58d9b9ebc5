using System.Net;
using System.Text.Json;
using Ladle.Server.Hosting;

namespace Ladle.Server.Tests;

/// <summary>
/// The server starts the way `ladle serve` starts it (<see cref="LadleServerHost"/>): a new project's table datasets
/// are built at start, and the server says where it answers for the CLI commands that look for it.
/// </summary>
public sealed class StartupTests
{
    private static Task<LoopbackServer> StartNewProjectAsync() => LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", "name: fresh\nsources:\n  files:\n    kind: files\n    path: data\n");
        LoopbackServer.File(root, "data/nums.csv", "id\n1\n2\n3\n");
        LoopbackServer.File(root, "datasets/nums.yaml", "name: nums\nsource: files\ntable: nums.csv\ncolumns:\n  - { name: id, type: integer }\n");
        LoopbackServer.File(root, "datasets/live_nums.yaml", "name: live_nums\nmaterialization: live\nsql: select id from nums\n");
    }, materialize: false);

    [Fact]
    public async Task A_table_dataset_never_published_is_built_at_start_and_then_served()
    {
        await using var server = await StartNewProjectAsync();

        // Only the table dataset: a live one has nothing to build.
        var build = Assert.Single(server.Host.StartupBuilds);
        Assert.Equal(("nums", LadleServerHost.StartupTrigger), (build.Run.Dataset, build.Run.Trigger));
        var result = await build.Run.Completion;
        Assert.True(result.Published, result.Error);

        using var rows = await server.Http.GetAsync("/api/v1/datasets/nums/rows");
        Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
        Assert.Equal(3, JsonDocument.Parse(await rows.Content.ReadAsStringAsync()).RootElement.GetProperty("rows").GetArrayLength());
        var version = Assert.Single(await server.Engine.State.ListVersionsAsync("nums", 10, CancellationToken.None));
        Assert.Equal(LadleServerHost.StartupTrigger, version.Trigger);
    }

    [Fact]
    public async Task The_server_announces_the_address_it_bound_for_the_cli_to_find()
    {
        await using var server = await StartNewProjectAsync();

        var announced = JsonDocument.Parse(await File.ReadAllTextAsync(LadleServerAnnouncement.PathFor(server.Engine.Project))).RootElement;
        Assert.Equal(server.Host.Url, announced.GetProperty("url").GetString());
        Assert.Equal(Environment.ProcessId, announced.GetProperty("pid").GetInt32());
        // The address is the one bound, not the configured port 0.
        Assert.DoesNotContain(":0", server.Host.Url, StringComparison.Ordinal);
        using var client = new HttpClient();
        using var health = await client.GetAsync(new Uri(new Uri(announced.GetProperty("url").GetString()!), "/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
