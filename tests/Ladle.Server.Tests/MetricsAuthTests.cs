using System.Net;

namespace Ladle.Server.Tests;

public sealed class MetricsAuthTests
{
    [Fact]
    public async Task Without_dev_mode_metric_queries_need_credentials()
    {
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: shop\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/t.csv", "x\n1\n");
            LoopbackServer.File(root, "datasets/t.yaml", "name: t\nsource: files\ntable: t.csv\ncolumns:\n  - { name: x, type: integer }\n");
            LoopbackServer.File(root, "models/t.yaml", "dataset: t\nmeasures:\n  - { name: total, agg: sum, column: x }\n");
        }, dev: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.GetAsync("/api/v1/metrics/query?metrics=total")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.GetAsync("/api/v1/metrics")).StatusCode);
    }
}
