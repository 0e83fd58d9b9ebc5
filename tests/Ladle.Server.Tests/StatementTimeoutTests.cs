using System.Net;
using System.Text.Json;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests;

/// <summary>
/// Every statement the engine runs for a request stops when the client goes away or when it passes
/// server.statement_timeout, in the engine itself (DuckDB is interrupted), and the request is still audited.
/// The project's 'endless' dataset is a live cross join of a thousand rows four times (10^12 rows): no test
/// could wait for it to finish, so only an interrupt lets these tests pass.
/// </summary>
public sealed class StatementTimeoutTests
{
    private static Task<LoopbackServer> StartAsync(string? statementTimeout, int? maxConcurrentReads = null) => LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", "name: endless\nsources:\n  files:\n    kind: files\n    path: data\nserver:\n" +
            (statementTimeout is null ? "" : $"  statement_timeout: {statementTimeout}\n") +
            (maxConcurrentReads is null ? "" : $"  max_concurrent_reads: {maxConcurrentReads}\n"));
        LoopbackServer.File(root, "data/nums.csv", "id\n" + string.Concat(Enumerable.Range(1, 1000).Select(i => $"{i}\n")));
        LoopbackServer.File(root, "datasets/nums.yaml", "name: nums\nsource: files\ntable: nums.csv\ncolumns:\n  - { name: id, type: integer }\n");
        LoopbackServer.File(root, "datasets/endless.yaml", """
            name: endless
            materialization: live
            sql: select a.id * 1000000000 + b.id * 1000000 + c.id * 1000 + d.id as n, a.id % 3 as k from nums a cross join nums b cross join nums c cross join nums d
            columns:
              - { name: n, type: integer }
              - { name: k, type: integer }
            """);
        LoopbackServer.File(root, "models/endless.yaml", """
            dataset: endless
            dimensions:
              - { name: k }
            measures:
              - { name: total, agg: sum, column: n }
            metrics:
              - { name: total, measure: total }
            """);
    });

    [Fact]
    public async Task A_statement_past_the_timeout_is_stopped_and_answered_503_saying_which_setting()
    {
        await using var server = await StartAsync("1s");
        foreach (var (path, action) in new[] { ("/api/v1/datasets/endless/rows?order=n:desc&limit=5", "read"), ("/api/v1/metrics/query?metrics=total&dimensions=k", "metrics"), ("/api/v1/datasets/endless/rows?format=csv&order=n:desc", "read") })
        {
            using var response = await server.Http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: {response.StatusCode} {body}");
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal("https://ladle.dev/problems/statement-timeout", problem.GetProperty("type").GetString());
            Assert.Contains("statement_timeout of 1s", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var audited = await AuditAsync(server);
            Assert.Contains(audited, e => e.Target == "endless" && e.Action == action && e.Status == "statement-timeout");
        }
        // The server is not left busy: a small read answers.
        using var small = await server.Http.GetAsync("/api/v1/datasets/nums/rows?limit=3");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/datasets/endless/rows?order=n:desc&limit=5", "read")]
    [InlineData("/api/v1/metrics/query?metrics=total&dimensions=k", "metrics")]
    [InlineData("/api/v1/datasets/endless/rows?format=parquet&order=n:desc", "read")]
    public async Task A_client_that_goes_away_stops_its_query_and_the_request_is_audited_as_cancelled(string path, string action)
    {
        await using var server = await StartAsync(null);
        using (var impatient = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.Http.GetAsync(path, impatient.Token));

        // The pipeline completes a request's entry only once its query has ended (an export's entry is written
        // 'started' before its first byte); the query runs for hours unless interrupted.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<AuditRecord> audited;
        do
        {
            audited = await AuditAsync(server);
            if (audited.Any(e => e.Target == "endless" && e.Action == action && e.Status != AuditStatuses.Started)) break;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Contains(audited, e => e.Target == "endless" && e.Action == action && e.Status == "cancelled");
    }

    [Fact]
    public async Task With_one_read_slot_a_second_read_waits_for_the_first_and_a_cancelled_waiter_leaves_the_queue()
    {
        await using var server = await StartAsync(null, maxConcurrentReads: 1);
        var reads = server.Engine.StoreConnector.Reads!;
        Assert.Equal(1, reads.Slots);

        // The endless read holds the only slot until it is cancelled.
        using var first = new CancellationTokenSource();
        var endless = server.Http.GetAsync("/api/v1/datasets/endless/rows?order=n:desc&limit=5", first.Token);
        await WaitUntilAsync(() => reads.Running == 1);

        var second = server.Http.GetAsync("/api/v1/datasets/nums/rows?limit=3");
        await WaitUntilAsync(() => reads.Waiting == 1);
        using var impatient = new CancellationTokenSource();
        var third = server.Http.GetAsync("/api/v1/datasets/nums/rows?limit=3", impatient.Token);
        await WaitUntilAsync(() => reads.Waiting == 2);
        Assert.Contains("ladle_reads_waiting", await server.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);

        // A waiter whose client goes away leaves the queue; the one before it keeps its place.
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third);
        await WaitUntilAsync(() => reads.Waiting == 1);
        Assert.False(second.IsCompleted);

        // Only when the first read ends does the second run.
        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => endless);
        using var answered = await second;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(3, JsonDocument.Parse(await answered.Content.ReadAsStringAsync()).RootElement.GetProperty("rows").GetArrayLength());
        await WaitUntilAsync(() => reads.Running == 0 && reads.Waiting == 0);
    }

    /// <summary>Waits for a condition the test caused (never for time to pass); a minute is only a guard against hanging.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(condition());
    }

    private static async Task<List<AuditRecord>> AuditAsync(LoopbackServer server)
    {
        await server.Services.GetRequiredService<AuditWriter>().FlushAsync();
        return (await server.Engine.State.QueryAuditAsync(new AuditQuery(Limit: 1000), CancellationToken.None)).ToList();
    }
}
