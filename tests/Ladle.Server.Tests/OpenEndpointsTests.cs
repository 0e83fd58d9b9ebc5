using System.Net;
using System.Net.Http.Headers;
using Ladle.Engine.Access;

namespace Ladle.Server.Tests;

public sealed class OpenEndpointsTests
{
    [Fact]
    public async Task Metrics_left_out_of_open_endpoints_needs_a_token_while_healthz_stays_open()
    {
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: closed\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/a.csv", "id\n1\n");
            LoopbackServer.File(root, "datasets/a.yaml", "name: a\nsource: files\ntable: a.csv\n");
            LoopbackServer.File(root, "access.yaml", "roles:\n  ops:\n    admin: true\nprincipals:\n  prometheus: { kind: service, roles: [ops] }\nopen_endpoints: [healthz]\n");
        }, dev: false);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.GetAsync("/metrics")).StatusCode);

        var token = (await new TokenService(server.Engine.Project, server.Engine.State).CreateAsync("prometheus", null, null, CancellationToken.None)).Token;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
