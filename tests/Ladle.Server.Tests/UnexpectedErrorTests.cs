using System.Net;
using System.Text.Json;
using Ladle.Engine.State;
using Ladle.Engine.Access;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests;

/// <summary>What a client sees when Ladle fails in a way it did not plan for, over loopback HTTP on a server of its own.</summary>
public sealed class UnexpectedErrorTests
{
    [Fact]
    public async Task An_unexpected_failure_answers_500_problem_details_with_a_trace_id_and_no_internals_and_is_audited_as_error()
    {
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: unexpected\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/orders.csv", "id,amount\n1,10\n2,20\n");
            LoopbackServer.File(root, "datasets/orders.yaml", "name: orders\nsource: files\ntable: orders.csv\n");
        });
        // The state file loses its table of versions behind the server's back (a hand-edited or damaged state.db):
        // nothing Ladle raises on purpose, so whatever reads it fails unexpectedly.
        await using (var state = new SqliteConnection($"Data Source={server.Engine.Project.StatePath};Pooling=False"))
        {
            await state.OpenAsync();
            await using var drop = state.CreateCommand();
            drop.CommandText = "DROP TABLE versions";
            await drop.ExecuteNonQueryAsync();
        }

        using var response = await server.Http.GetAsync("/api/v1/datasets/orders/versions");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(500, problem.GetProperty("status").GetInt32());
        Assert.Equal("https://ladle.dev/problems/internal", problem.GetProperty("type").GetString());
        Assert.Equal("XX000", problem.GetProperty("sqlstate").GetString());
        var traceId = problem.GetProperty("trace_id").GetString();
        Assert.False(string.IsNullOrEmpty(traceId));
        Assert.Contains(traceId!, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Nothing of the internals: not the engine's message, not the exception's type, not a stack.
        Assert.DoesNotContain("versions", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Sqlite", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        // The log has the exception, under the same trace id.
        Assert.Contains($"trace id {traceId}", server.Logs.Text, StringComparison.Ordinal);
        Assert.Contains("no such table", server.Logs.Text, StringComparison.Ordinal);

        await server.Services.GetRequiredService<AuditWriter>().FlushAsync();
        var audit = await server.Engine.State.QueryAuditAsync(new AuditQuery(Limit: 1000), CancellationToken.None);
        Assert.Contains(audit, e => e.Action == "get /api/v1/datasets/orders/versions" && e.Status == "error");
    }
}
