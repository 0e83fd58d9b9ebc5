using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ladle.Engine.Access;
using Ladle.Engine.State;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests;

/// <summary>
/// Who asks is known before anything a caller sent is read; bodies are capped; what the audit keeps of a request
/// is safe to show on a terminal and holds no secret; the API document is open only when access.yaml says so.
/// </summary>
public sealed class RequestHygieneTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private async Task<HttpResponseMessage> PostAsync(string path, string body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await fixture.Server.Http.SendAsync(request);
    }

    private async Task<List<AuditRecord>> AuditAsync(string principal)
    {
        await fixture.Server.Services.GetRequiredService<AuditWriter>().FlushAsync();
        return (await fixture.Server.Engine.State.QueryAuditAsync(new AuditQuery(Principal: principal, Limit: 10_000), CancellationToken.None)).ToList();
    }

    [Fact]
    public async Task A_metric_query_body_is_not_read_before_the_caller_is_authenticated()
    {
        using var anonymous = await PostAsync("/api/v1/metrics/query", "{ this is not json", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // Authenticated, the same body is a 400 about the body, audited under the caller's name.
        using var bad = await PostAsync("/api/v1/metrics/query", "{ \"metrics\": [\"sales\"], this is not json", fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains(await AuditAsync("alice"), e => e.Action == "post /api/v1/metrics/query" && e.Status == "invalid-request");
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_with_a_clear_problem()
    {
        var huge = "{\"metrics\": [\"sales\"], \"filters\": [\"merchant_id:in:" + string.Join(",", Enumerable.Repeat("42", 600_000)) + "\"]}";
        using var response = await PostAsync("/api/v1/metrics/query", huge, fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("https://ladle.dev/problems/body-too-large", problem.GetProperty("type").GetString());
        Assert.Contains("larger than the 1024 KiB Ladle accepts", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_entries_escape_control_characters_cap_their_length_redact_tokens_and_say_format_and_version()
    {
        var alice = fixture.Tokens["alice"];
        using (var escaped = await fixture.GetAsync("/api/v1/datasets/%1b%5b2J%1b%5b31mowned/rows", alice))
            Assert.Equal(HttpStatusCode.NotFound, escaped.StatusCode);
        using (var tokenInQuery = await fixture.GetAsync("/api/v1/datasets/orders/health?access_token=" + Uri.EscapeDataString(alice), alice))
            Assert.Equal(HttpStatusCode.OK, tokenInQuery.StatusCode);
        var longFilters = Enumerable.Range(0, 50).Select(i => "merchant_id:eq:" + new string('9', 5000)).ToList();
        using (var longBody = await PostAsync("/api/v1/metrics/query", JsonSerializer.Serialize(new { metrics = new[] { "sales" }, filters = longFilters }), alice))
            Assert.Equal(HttpStatusCode.BadRequest, longBody.StatusCode);
        using (var csv = await fixture.GetAsync("/api/v1/datasets/orders/rows?format=csv&columns=order_id", alice))
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);

        var audit = await AuditAsync("alice");
        var owned = Assert.Single(audit, e => e.Action == "read" && e.Target.Contains("owned", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', owned.Target);
        Assert.Equal(@"\u001b[2J\u001b[31mowned", owned.Target);
        var health = Assert.Single(audit, e => e.Action == "get /api/v1/datasets/orders/health" && e.Filters.Contains("access_token", StringComparison.Ordinal));
        Assert.DoesNotContain(alice, health.Filters, StringComparison.Ordinal);
        Assert.DoesNotContain(alice[..20], health.Filters, StringComparison.Ordinal);
        Assert.Contains("access_token=[redacted]", health.Filters, StringComparison.Ordinal);

        var capped = Assert.Single(audit, e => e.Action == "metrics" && e.Filters.Contains("99999", StringComparison.Ordinal));
        Assert.True(capped.Filters.Length < 2100, $"{capped.Filters.Length} characters kept");
        Assert.Contains("more characters)", capped.Filters, StringComparison.Ordinal);

        var export = Assert.Single(audit, e => e.Action == "read" && e.Target == "orders" && e.Format == "csv");
        Assert.Equal(fixture.Server.Engine.Catalog.Current("orders")!.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), export.Version);
    }

    [Fact]
    public async Task The_api_document_needs_a_token_unless_open_endpoints_lists_it()
    {
        using (var anonymous = await fixture.GetAsync("/openapi/v1.json", null))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var authenticated = await fixture.GetAsync("/openapi/v1.json", fixture.Tokens["bob"]))
            Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);

        await using var open = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: open\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/a.csv", "id\n1\n");
            LoopbackServer.File(root, "datasets/a.yaml", "name: a\nsource: files\ntable: a.csv\n");
            LoopbackServer.File(root, "access.yaml", "roles:\n  ops:\n    admin: true\nprincipals:\n  ops_bot: { kind: service, roles: [ops] }\nopen_endpoints: [healthz, openapi]\n");
        }, dev: false);
        using var listed = await open.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await open.Http.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Requests_failing_authentication_are_limited_per_client_address()
    {
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: guarded\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/a.csv", "id\n1\n");
            LoopbackServer.File(root, "datasets/a.yaml", "name: a\nsource: files\ntable: a.csv\n");
            LoopbackServer.File(root, "access.yaml", "roles:\n  ops:\n    admin: true\nprincipals:\n  ops_bot: { kind: service, roles: [ops] }\nrate_limits:\n  unauthenticated: { requests_per_second: 1 }\n");
        }, dev: false);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 15; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/datasets");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", $"ldl_guess{i:D8}_notasecret");
            using var response = await server.Http.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.Contains("without valid credentials from 127.0.0.1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
        // A burst of ten seconds' worth (10 at 1 a second) is answered 401; the guesses after it are refused unread.
        Assert.Equal(HttpStatusCode.Unauthorized, statuses[0]);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Unauthorized), 10, 13);
        // Open endpoints are not authentication failures and still answer.
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/healthz")).StatusCode);
    }
}
