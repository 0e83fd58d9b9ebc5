using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ladle.Engine.Access;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Server.Tests.Features;

/// <summary>
/// Features read like any other read: grants, row filters with the principal's attributes, PII masks and the export
/// grant apply to training sets and online lookups alike, over real HTTP with tokens.
/// </summary>
public sealed class FeatureAccessTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private LoopbackServer _server = null!;
    private readonly Dictionary<string, string> _tokens = [];

    public async Task InitializeAsync()
    {
        _server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: factory\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/readings.csv", """
                row_id,warehouse_id,site,read_at,temperature,operator_email
                1,1,north,2026-03-01 10:00:00,21.5,ana@example.com
                2,2,south,2026-03-01 10:00:00,30.25,ben@example.com
                3,1,north,2026-03-01 11:00:00,22.5,ana@example.com
                4,3,south,2026-02-20 11:00:00,5,carl@example.com
                """);
            LoopbackServer.File(root, "datasets/readings.yaml", """
                name: readings
                domain: factory
                source: files
                table: readings.csv
                materialization: table
                primary_key: [row_id]
                columns:
                  - { name: row_id, type: integer }
                  - { name: warehouse_id, type: integer }
                  - { name: site, type: string }
                  - { name: read_at, type: timestamp }
                  - { name: temperature, type: double }
                  - { name: operator_email, type: string, pii: true, mask: partial }
                """);
            LoopbackServer.File(root, "datasets/ledger.yaml", "name: ledger\ndomain: finance\nsource: files\ntable: readings.csv\nmaterialization: table\n");
            LoopbackServer.File(root, "features/climate.yaml", """
                feature_views:
                  - name: climate
                    dataset: readings
                    entities: [warehouse_id]
                    event_timestamp: read_at
                    ttl: 1d
                    features:
                      - temperature
                      - operator_email
                      - { name: email_length, sql: "length(operator_email)", type: integer }
                      - { name: operators_1d, aggregate: count, column: operator_email, window: 1d }
                feature_services:
                  - name: plain
                    features: [climate.temperature, climate.operator_email]
                """);
            LoopbackServer.File(root, "access.yaml", """
                roles:
                  site_reader:
                    grants:
                      - { actions: [read, export], datasets: [readings], row_filter: "site = {{ principal.site }}" }
                  browser:
                    grants:
                      - { actions: [read], domains: [factory] }
                  finance:
                    grants:
                      - { actions: [read, export], domains: [finance] }
                  admin:
                    admin: true
                principals:
                  northy: { kind: service, roles: [site_reader], attributes: { site: north } }
                  bob: { roles: [browser] }
                  fin: { roles: [finance] }
                  root: { roles: [admin] }
                """);
        }, dev: false, clock: new FakeTimeProvider(Now));
        var tokens = new TokenService(_server.Engine.Project, _server.Engine.State);
        foreach (var principal in new[] { "northy", "bob", "fin", "root" })
            _tokens[principal] = (await tokens.CreateAsync(principal, null, "test", CancellationToken.None)).Token;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Row_filter_hides_other_sites_entities_online_and_in_training_sets()
    {
        var online = await OnlineAsync("northy", new { feature_service = "plain", entities = new { warehouse_id = new[] { 1, 2 } } });
        Assert.Equal(HttpStatusCode.OK, online.Status);
        var entities = online.Body.GetProperty("entities");
        Assert.Equal("present", entities[0].GetProperty("features").GetProperty("temperature").GetProperty("status").GetString());
        Assert.Equal(22.5, entities[0].GetProperty("features").GetProperty("temperature").GetProperty("value").GetDouble());
        Assert.Equal("not_found", entities[1].GetProperty("features").GetProperty("temperature").GetProperty("status").GetString());
        Assert.Equal("store", online.Body.GetProperty("served_by").GetString());

        var csv = "warehouse_id,event_timestamp,label\n1,2026-03-01T10:30:00Z,0\n2,2026-03-01T10:30:00Z,1\n1,2026-03-01T11:00:00Z,1\n";
        var (status, text) = await TrainingCsvAsync("northy", csv, "feature_service=plain&format=csv");
        Assert.True(status == HttpStatusCode.OK, text);
        var lines = text.Trim().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("warehouse_id,event_timestamp,label,temperature,operator_email", lines[0]);
        Assert.StartsWith("1,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",0,21.5,a***@example.com", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",1,,", lines[2], StringComparison.Ordinal);
        Assert.EndsWith(",1,22.5,a***@example.com", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pii_feature_is_served_masked_and_an_expression_over_it_is_refused()
    {
        var online = await OnlineAsync("bob", new { feature_service = "plain", entities = new { warehouse_id = new[] { 2 } } });
        Assert.Equal(HttpStatusCode.OK, online.Status);
        Assert.Equal("b***@example.com", online.Body.GetProperty("entities")[0].GetProperty("features").GetProperty("operator_email").GetProperty("value").GetString());

        var admin = await OnlineAsync("root", new { feature_service = "plain", entities = new { warehouse_id = new[] { 2 } } });
        Assert.Equal("ben@example.com", admin.Body.GetProperty("entities")[0].GetProperty("features").GetProperty("operator_email").GetProperty("value").GetString());
        Assert.Equal("online", admin.Body.GetProperty("served_by").GetString());

        var refused = await OnlineAsync("bob", new { features = new[] { "climate.email_length" }, entities = new { warehouse_id = new[] { 2 } } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("computed from column 'operator_email'", refused.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ben@", refused.Body.ToString(), StringComparison.Ordinal);

        // A windowed aggregate over a masked column is refused the same way (its answer would be over the masks).
        var windowed = await OnlineAsync("bob", new { features = new[] { "climate.operators_1d" }, entities = new { warehouse_id = new[] { 2 } } });
        Assert.Equal(HttpStatusCode.Forbidden, windowed.Status);
        Assert.Contains("feature 'climate.operators_1d' is computed from column 'operator_email'", windowed.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_set_files_need_the_export_grant_and_unseen_views_are_unknown()
    {
        var body = new { feature_service = "plain", format = "csv", entities = new[] { new { warehouse_id = 1, event_timestamp = "2026-03-01T12:00:00Z" } } };
        using (var response = await PostAsync("/api/v1/features/training-set", body, "bob"))
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using (var response = await PostAsync("/api/v1/features/training-set", body with { format = "json" }, "bob"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var unseen = await OnlineAsync("fin", new { feature_service = "plain", entities = new { warehouse_id = new[] { 1 } } });
        Assert.Equal(HttpStatusCode.NotFound, unseen.Status);
        Assert.DoesNotContain("readings", unseen.Body.GetProperty("detail").GetString()!, StringComparison.Ordinal);

        using var anonymous = await PostAsync("/api/v1/features/online", new { feature_service = "plain", entities = new { warehouse_id = new[] { 1 } } }, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Lookups_and_training_sets_are_audited()
    {
        await OnlineAsync("root", new { feature_service = "plain", entities = new { warehouse_id = new[] { 1, 3 } } });
        await ((AuditWriter)_server.Services.GetService(typeof(AuditWriter))!).FlushAsync(CancellationToken.None);
        var entries = await _server.Engine.State.QueryAuditAsync(new Ladle.Engine.State.AuditQuery(Principal: "root"), CancellationToken.None);
        Assert.Contains(entries, e => e.Action == "features" && e.Target == "climate" && e.Rows == 2 && e.Status == "ok");
    }

    [Fact]
    public async Task Feature_catalog_lists_only_the_views_and_services_the_principal_may_read()
    {
        async Task<(string[] Views, string[] Services)> CatalogAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/features");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[token]);
            using var response = await _server.Http.SendAsync(request);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(response.IsSuccessStatusCode, body.ToString());
            return (body.GetProperty("views").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToArray(),
                body.GetProperty("services").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToArray());
        }

        var root = await CatalogAsync("root");
        Assert.Equal(["climate"], root.Views);
        Assert.Equal(["plain"], root.Services);
        foreach (var reader in new[] { "bob", "northy" })
        {
            var (views, services) = await CatalogAsync(reader);
            Assert.Equal(root.Views, views);
            Assert.Equal(root.Services, services);
        }
        // fin reads the finance domain only: the factory's features are not listed (nor named anywhere in the answer).
        var fin = await CatalogAsync("fin");
        Assert.Empty(fin.Views);
        Assert.Empty(fin.Services);
        using var anonymous = await _server.Http.GetAsync("/api/v1/features");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Skew_report_needs_read_without_row_filters_or_masks()
    {
        async Task<(HttpStatusCode, string)> SkewAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/features/climate/skew");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[token]);
            using var response = await _server.Http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var (status, text) = await SkewAsync("root");
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.True(text.Contains("\"features_differing\":0", StringComparison.Ordinal), text);
        (status, text) = await SkewAsync("northy");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("without row filters or masks", text, StringComparison.Ordinal);
        (status, _) = await SkewAsync("bob");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        (status, text) = await SkewAsync("fin");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("readings", text, StringComparison.Ordinal);
        await ((AuditWriter)_server.Services.GetService(typeof(AuditWriter))!).FlushAsync(CancellationToken.None);
        var entries = await _server.Engine.State.QueryAuditAsync(new Ladle.Engine.State.AuditQuery(), CancellationToken.None);
        Assert.Contains(entries, e => e.Action == "features-skew" && e.Principal == "root" && e.Status == "ok");
        Assert.Contains(entries, e => e.Action == "features-skew" && e.Principal == "northy" && e.Status != "ok");
    }

    [Fact]
    public async Task Bad_requests_say_what_and_where()
    {
        async Task Expect(object body, HttpStatusCode status, string detail, string path = "/api/v1/features/online")
        {
            using var response = await PostAsync(path, body, "root");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, text);
            Assert.Contains(detail, text, StringComparison.Ordinal);
        }
        await Expect(new { feature_service = "nope", entities = new { warehouse_id = new[] { 1 } } }, HttpStatusCode.NotFound, "no feature service 'nope'");
        await Expect(new { feature_service = "plain", features = new[] { "climate.temperature" }, entities = new { warehouse_id = new[] { 1 } } }, HttpStatusCode.BadRequest, "not both");
        await Expect(new { features = new[] { "climate.tempreture" }, entities = new { warehouse_id = new[] { 1 } } }, HttpStatusCode.NotFound, "did you mean 'temperature'");
        await Expect(new { feature_service = "plain", entities = new { warehouse = new[] { 1 } } }, HttpStatusCode.BadRequest, "'warehouse' is not an entity key");
        await Expect(new { feature_service = "plain", entities = new { warehouse_id = new[] { "one" } } }, HttpStatusCode.BadRequest, "entities.warehouse_id[0] must be a integer");
        await Expect(new { feature_service = "plain", entities = new[] { new { warehouse_id = 1 } } }, HttpStatusCode.BadRequest, "have no column event_timestamp", "/api/v1/features/training-set");
        await Expect(new { feature_service = "plain" }, HttpStatusCode.BadRequest, "give entity rows", "/api/v1/features/training-set");
        var (status, text) = await TrainingCsvAsync("root", "warehouse_id,label\n1,0\n", "feature_service=plain&format=csv");
        Assert.True(status == HttpStatusCode.BadRequest, text);
        Assert.Contains("have no column event_timestamp", text, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> OnlineAsync(string token, object body)
    {
        using var response = await PostAsync("/api/v1/features/online", body, token);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private async Task<(HttpStatusCode, string)> TrainingCsvAsync(string token, string csv, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/features/training-set?" + query) { Content = new StringContent(csv, Encoding.UTF8, "text/csv") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[token]);
        using var response = await _server.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> PostAsync(string path, object body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[token]);
        return await _server.Http.SendAsync(request);
    }
}
