using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ladle.Engine.Access;
using Ladle.Engine.State;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests;

/// <summary>The bypass matrix: each way in, tried on every endpoint that serves data; none may show a row it must not.</summary>
public sealed class AccessTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    /// <summary>Every REST endpoint that serves data or says something about a dataset.</summary>
    public static readonly string[] DataEndpoints =
    [
        "/api/v1/datasets", "/api/v1/datasets/orders", "/api/v1/datasets/orders/rows", "/api/v1/datasets/orders/rows?format=csv",
        "/api/v1/datasets/orders/rows?format=parquet", "/api/v1/datasets/orders/rows?format=ndjson", "/api/v1/datasets/orders/rows?format=xlsx",
        "/api/v1/datasets/orders/versions", "/api/v1/datasets/orders/health", "/api/v1/datasets/orders/checks", "/api/v1/health",
    ];

    private async Task<List<AuditRecord>> AuditAsync(string principal)
    {
        await fixture.Server.Services.GetRequiredService<AuditWriter>().FlushAsync();
        return (await fixture.Server.Engine.State.QueryAuditAsync(new AuditQuery(Principal: principal, Limit: 10_000), CancellationToken.None)).ToList();
    }

    private static async Task<List<long>> MerchantIdsAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("merchant_id").GetInt64()).ToList();
    }

    [Theory]
    [InlineData(null, "authentication required")]
    [InlineData("ldl_000000000000_notasecret", TokenService.InvalidToken)]
    [InlineData("not-a-token", "neither a Ladle API token nor an embed token")]
    public async Task Without_a_valid_token_every_data_endpoint_answers_401_and_is_audited(string? token, string reason)
    {
        foreach (var path in DataEndpoints)
        {
            using var response = await fixture.GetAsync(path, token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.Contains(reason, body, StringComparison.Ordinal);
            Assert.DoesNotContain("example.com", body, StringComparison.Ordinal);
        }
        var refused = await AuditAsync("unauthenticated");
        Assert.Contains(refused, e => e.Target == "orders" && e.Action.EndsWith("/rows", StringComparison.Ordinal) && e.Status == "unauthorized");
        Assert.Contains(refused, e => e.Target == "/api/v1/datasets" && e.Status == "unauthorized");
    }

    [Fact]
    public async Task Expired_and_revoked_tokens_are_refused_on_the_next_request()
    {
        var service = new TokenService(fixture.Server.Engine.Project, fixture.Server.Engine.State);
        // Issued five minutes ago for one minute: expired by the server's clock, without waiting.
        var fiveMinutesAgo = new TokenService(fixture.Server.Engine.Project, fixture.Server.Engine.State,
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-5)));
        var (shortLived, _) = await fiveMinutesAgo.CreateAsync("alice", TimeSpan.FromMinutes(1), null, CancellationToken.None);
        using (var expired = await fixture.GetAsync("/api/v1/datasets/orders/rows", shortLived))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
            Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var (revocable, record) = await service.CreateAsync("alice", null, null, CancellationToken.None);
        using (var before = await fixture.GetAsync("/api/v1/datasets/orders/rows", revocable))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.True(await fixture.Server.Engine.State.RevokeTokenAsync(record.Id, DateTimeOffset.UtcNow, CancellationToken.None));
        foreach (var path in DataEndpoints)
        {
            using var after = await fixture.GetAsync(path, revocable);
            Assert.True(after.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {after.StatusCode}");
            Assert.Contains("revoked", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A token whose secret was altered is not valid, even with a real id.
        using var valid = await fixture.GetAsync("/api/v1/datasets", fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        using var forged = await fixture.GetAsync("/api/v1/datasets", fixture.Tokens["alice"][..^3] + "xyz");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    [InlineData("parquet")]
    [InlineData("ndjson")]
    public async Task A_merchant_sees_only_its_own_rows_in_every_format(string format)
    {
        foreach (var (principal, merchant) in new[] { ("m42", 42L), ("m7", 7L) })
        {
            using var response = await fixture.GetAsync($"/api/v1/datasets/orders/rows?format={format}&limit=1000", fixture.Tokens[principal]);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var ids = await ReadMerchantIdsAsync(response, format);
            Assert.Equal(100, ids.Count);
            Assert.All(ids, id => Assert.Equal(merchant, id));
        }
        // A filter cannot widen the row filter: asking for another merchant's rows returns none.
        using var other = await fixture.GetAsync("/api/v1/datasets/orders/rows?filter=merchant_id:eq:7", fixture.Tokens["m42"]);
        Assert.Empty(await MerchantIdsAsync(other));
    }

    private static async Task<List<long>> ReadMerchantIdsAsync(HttpResponseMessage response, string format)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        switch (format)
        {
            case "json":
                using (var doc = JsonDocument.Parse(bytes))
                    return doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("merchant_id").GetInt64()).ToList();
            case "ndjson":
                return Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("merchant_id").GetInt64()).ToList();
            case "csv":
                return Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                    .Select(l => long.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToList();
            default:
                await using (var reader = await Parquet.ParquetReader.CreateAsync(new MemoryStream(bytes)))
                {
                    var field = reader.Schema.GetDataFields().Single(f => f.Name == "merchant_id");
                    var ids = new List<long>();
                    for (var g = 0; g < reader.RowGroupCount; g++)
                    {
                        using var group = reader.OpenRowGroupReader(g);
                        var values = new long?[group.RowCount];
                        await group.ReadAsync<long>(field, values.AsMemory(), null, CancellationToken.None);
                        ids.AddRange(values.Select(v => v!.Value));
                    }
                    return ids;
                }
        }
    }

    [Fact]
    public async Task Pii_is_masked_for_principals_without_clearance_in_every_format_and_clear_for_admins()
    {
        var alice = await (await fixture.GetAsync("/api/v1/datasets/orders/rows?filter=order_id:eq:5", fixture.Tokens["alice"])).Content.ReadFromJsonAsync<JsonElement>();
        var row = alice.GetProperty("rows")[0];
        Assert.Equal("b***@example.com", row.GetProperty("customer_email").GetString());
        var phoneHash = row.GetProperty("customer_phone").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", phoneHash);

        var csv = await (await fixture.GetAsync("/api/v1/datasets/orders/rows?format=csv&filter=order_id:eq:5", fixture.Tokens["alice"])).Content.ReadAsStringAsync();
        Assert.Contains("b***@example.com", csv, StringComparison.Ordinal);
        Assert.Contains(phoneHash, csv, StringComparison.Ordinal);
        Assert.DoesNotContain("buyer5", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("912 000 005", csv, StringComparison.Ordinal);

        var customers = await (await fixture.GetAsync("/api/v1/datasets/customers/rows", fixture.Tokens["alice"])).Content.ReadFromJsonAsync<JsonElement>();
        Assert.All(customers.GetProperty("rows").EnumerateArray(), r => Assert.Equal(JsonValueKind.Null, r.GetProperty("email").ValueKind));

        // Hashes are stable, so masked columns still join and group; admins see the clear value.
        var again = await (await fixture.GetAsync("/api/v1/datasets/orders/rows?filter=order_id:eq:5", fixture.Tokens["alice"])).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(phoneHash, again.GetProperty("rows")[0].GetProperty("customer_phone").GetString());
        var root = await (await fixture.GetAsync("/api/v1/datasets/orders/rows?filter=order_id:eq:5", fixture.Tokens["root"])).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("buyer5@example.com", root.GetProperty("rows")[0].GetProperty("customer_email").GetString());

        var detail = await (await fixture.GetAsync("/api/v1/datasets/orders", fixture.Tokens["alice"])).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("partial", detail.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "customer_email").GetProperty("masked").GetString());
    }

    [Fact]
    public async Task Samples_of_failing_rows_are_withheld_from_principals_who_would_see_pii_in_them()
    {
        var results = await fixture.Server.Engine.Checks.RunAsync(
            fixture.Server.Engine.GetDataset("orders") with
            {
                Checks = [new Core.Model.CheckDefinition { Name = "no_big_orders", Kind = Core.Model.CheckKind.Sql, Sql = "select * from {{ this }} where amount > 250", Location = default }],
            },
            new Engine.Checks.CheckTarget(fixture.Server.Engine.StoreConnector, Engine.Store.DuckDbStore.VersionTable("orders", 1), 1, DateTimeOffset.UtcNow),
            CancellationToken.None);
        await fixture.Server.Engine.State.RecordCheckResultsAsync(results, CancellationToken.None);
        Assert.Contains("buyer", results.Single().Sample, StringComparison.Ordinal);

        var hidden = await (await fixture.GetAsync("/api/v1/datasets/orders/checks", fixture.Tokens["alice"])).Content.ReadAsStringAsync();
        Assert.Contains("no_big_orders", hidden, StringComparison.Ordinal);
        Assert.DoesNotContain("buyer", hidden, StringComparison.Ordinal);
        var shown = await (await fixture.GetAsync("/api/v1/datasets/orders/checks", fixture.Tokens["root"])).Content.ReadAsStringAsync();
        Assert.Contains("buyer", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_quarantine_a_row_filtered_tenant_gets_neither_other_tenants_failing_rows_nor_whole_dataset_figures()
    {
        // A late batch with negative amounts of three merchants, refreshed by an admin: the version is quarantined.
        LoopbackServer.File(fixture.Server.Root, "data/payments_late.csv",
            "payment_id,merchant_id,amount\n9001,7,-71.5\n9002,99,-991.5\n9003,42,-421.5\n9004,7,-72.5\n");
        using (var refresh = new HttpRequestMessage(HttpMethod.Post, "/api/v1/datasets/payments/refresh?wait=true"))
        {
            refresh.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Tokens["root"]);
            using var refreshed = await fixture.Server.Http.SendAsync(refresh);
            Assert.Contains("quarantined", await refreshed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (var path in new[] { "/api/v1/datasets/payments/health", "/api/v1/datasets/payments/checks", "/api/v1/datasets/payments/versions", "/api/v1/health" })
        {
            using var response = await fixture.GetAsync(path, fixture.Tokens["m42"]);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync();
            // Neither other merchants' failing rows, nor counts taken over every merchant's rows.
            foreach (var leak in new[] { "-71.5", "-991.5", "-72.5", "\"merchant_id\":7", "\"merchant_id\":99", "rows fail" })
                Assert.False(body.Contains(leak, StringComparison.Ordinal), $"{path} shows '{leak}' to merchant 42: {body}");
        }
        var checks = await (await fixture.GetAsync("/api/v1/datasets/payments/checks", fixture.Tokens["m42"])).Content.ReadFromJsonAsync<JsonElement>();
        var failed = checks.GetProperty("results").EnumerateArray().First(r => r.GetProperty("outcome").GetString() == "failed");
        Assert.Equal("amount_positive", failed.GetProperty("check").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("sample").ValueKind);
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("failing_rows").ValueKind);
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("total_rows").ValueKind);
        Assert.Contains("row filter", failed.GetProperty("withheld").GetString(), StringComparison.Ordinal);
        var versions = await (await fixture.GetAsync("/api/v1/datasets/payments/versions", fixture.Tokens["m42"])).Content.ReadFromJsonAsync<JsonElement>();
        Assert.All(versions.GetProperty("versions").EnumerateArray(), v => Assert.Equal(JsonValueKind.Null, v.GetProperty("row_count").ValueKind));
        Assert.Contains("quarantined", versions.GetProperty("versions")[0].GetProperty("status").GetString(), StringComparison.Ordinal);
        // The status every answer carries names the failing check, not its figures.
        using (var rows = await fixture.GetAsync("/api/v1/datasets/payments/rows?limit=1000", fixture.Tokens["m42"]))
        {
            Assert.Equal("failed", rows.Headers.GetValues("Ladle-Data-Status").Single());
            var reason = Uri.UnescapeDataString(rows.Headers.GetValues("Ladle-Data-Status-Reason").Single());
            Assert.Contains("amount_positive", reason, StringComparison.Ordinal);
            Assert.DoesNotContain("of 304", reason, StringComparison.Ordinal);
            Assert.All(await MerchantIdsAsync(rows), id => Assert.Equal(42L, id));
        }

        // The admin, who reads every row in clear, gets the sample and the figures.
        var all = await (await fixture.GetAsync("/api/v1/datasets/payments/checks", fixture.Tokens["root"])).Content.ReadFromJsonAsync<JsonElement>();
        var seen = all.GetProperty("results").EnumerateArray().First(r => r.GetProperty("outcome").GetString() == "failed");
        Assert.Equal(4, seen.GetProperty("failing_rows").GetInt64());
        Assert.Equal(304, seen.GetProperty("total_rows").GetInt64());
        Assert.Equal(4, seen.GetProperty("sample").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, seen.GetProperty("withheld").ValueKind);
        var rootVersions = await (await fixture.GetAsync("/api/v1/datasets/payments/versions", fixture.Tokens["root"])).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(304, rootVersions.GetProperty("versions")[0].GetProperty("row_count").GetInt64());
    }

    [Fact]
    public async Task A_value_that_does_not_convert_is_named_by_its_kind_never_quoted_in_answers_versions_or_the_log()
    {
        // The build of broken_scores failed when the fixture started: its version says why, without the value.
        var versions = await (await fixture.GetAsync("/api/v1/datasets/broken_scores/versions", fixture.Tokens["root"])).Content.ReadAsStringAsync();
        Assert.Contains("\"failed\"", versions, StringComparison.Ordinal);
        // The contract check names the file, line and column (on_bad_rows: fail), never the value.
        Assert.Contains("column score: the value at data/scores.csv:", versions, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-score", versions, StringComparison.Ordinal);

        // The live one fails while it is read: a clean problem naming the dataset, not the value.
        foreach (var format in new[] { "json", "ndjson", "xlsx" })
        {
            using var response = await fixture.GetAsync($"/api/v1/datasets/live_scores/rows?format={format}", fixture.Tokens["root"]);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.InternalServerError or HttpStatusCode.ServiceUnavailable, $"{format}: {response.StatusCode} {body}");
            Assert.Contains("live_scores", body, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-score", body, StringComparison.Ordinal);
        }
        Assert.Contains("broken_scores", fixture.Server.Logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-score", fixture.Server.Logs.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("filter=customer_email:eq:buyer5@example.com")]
    [InlineData("filter=customer_email:like:buyer5%")]
    [InlineData("filter=customer_phone:isnull")]
    public async Task Filtering_on_a_masked_column_is_refused_so_its_clear_value_cannot_be_probed(string query)
    {
        using var response = await fixture.GetAsync("/api/v1/datasets/orders/rows?" + query, fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("is masked for principal 'alice'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var audit = await AuditAsync("alice");
        Assert.Contains(audit, e => e.Status == "forbidden" && e.Filters.Contains("customer_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dataset_outside_the_grants_does_not_exist_for_the_principal()
    {
        var catalog = await (await fixture.GetAsync("/api/v1/datasets", fixture.Tokens["alice"])).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["customers", "merchants", "orders", "stock"], catalog.GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("name").GetString()).Order());
        foreach (var path in DataEndpoints.Where(p => p.Contains("/orders", StringComparison.Ordinal)).Select(p => p.Replace("/orders", "/ledger", StringComparison.Ordinal)))
        {
            using var response = await fixture.GetAsync(path, fixture.Tokens["alice"]);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            Assert.DoesNotContain("1000000", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // The same answer as for a dataset that does not exist at all: no existence leak.
        var missing = await (await fixture.GetAsync("/api/v1/datasets/nonexistent/rows", fixture.Tokens["alice"])).Content.ReadFromJsonAsync<JsonElement>();
        var hidden = await (await fixture.GetAsync("/api/v1/datasets/ledger/rows", fixture.Tokens["alice"])).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(missing.GetProperty("title").GetString(), hidden.GetProperty("title").GetString());
        Assert.DoesNotContain("ledger", hidden.GetProperty("detail").GetString()!.Replace("no dataset 'ledger'", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var audit = await AuditAsync("alice");
        Assert.Contains(audit, e => e.Target == "ledger" && e.Action == "read" && e.Status == "not-found");
        Assert.Contains(audit, e => e.Target == "ledger" && e.Action == "get /api/v1/datasets/ledger/health" && e.Status == "not-found");

        using var rootView = await fixture.GetAsync("/api/v1/datasets/ledger/rows", fixture.Tokens["root"]);
        Assert.Equal(HttpStatusCode.OK, rootView.StatusCode);
    }

    [Fact]
    public async Task A_missing_action_answers_403_naming_the_grant()
    {
        using var json = await fixture.GetAsync("/api/v1/datasets/orders/rows", fixture.Tokens["bob"]);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        foreach (var format in new[] { "csv", "parquet", "xlsx", "ndjson" })
        {
            using var export = await fixture.GetAsync($"/api/v1/datasets/orders/rows?format={format}", fixture.Tokens["bob"]);
            Assert.Equal(HttpStatusCode.Forbidden, export.StatusCode);
            Assert.Contains("may not export dataset 'orders'", await export.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // The grant is decided before the request's parameters are looked at: a bad filter changes nothing.
        using var badExport = await fixture.GetAsync("/api/v1/datasets/orders/rows?format=csv&filter=no_such_column:eq:1", fixture.Tokens["bob"]);
        Assert.Equal(HttpStatusCode.Forbidden, badExport.StatusCode);
        using var audit = await fixture.GetAsync("/api/v1/audit", fixture.Tokens["bob"]);
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);

        // Running checks is an operator's act: a reader of the dataset may not start it.
        using var run = new HttpRequestMessage(HttpMethod.Post, "/api/v1/datasets/orders/checks/run");
        run.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Tokens["bob"]);
        using var refused = await fixture.Server.Http.SendAsync(run);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("principal 'bob' may not do this: it needs 'admin'", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_filter_whose_attribute_the_principal_lacks_refuses_instead_of_widening()
    {
        using var response = await fixture.GetAsync("/api/v1/datasets/orders/rows", fixture.Tokens["nobody_merchant"]);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("has no attribute 'merchant_id'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<string> EmbedTokenAsync(object body, string issuer = "portal")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/embed/tokens") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Tokens[issuer]);
        using var response = await fixture.Server.Http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    [Fact]
    public async Task Embed_tokens_carry_the_end_users_attributes_and_narrow_to_their_datasets()
    {
        var token = await EmbedTokenAsync(new { principal = "portal", attributes = new { merchant_id = "7" }, datasets = new[] { "orders" }, ttl = "5m" });
        using var rows = await fixture.GetAsync("/api/v1/datasets/orders/rows?limit=1000", token);
        Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
        var ids = await MerchantIdsAsync(rows);
        Assert.Equal(100, ids.Count);
        Assert.All(ids, id => Assert.Equal(7L, id));
        var catalog = await (await fixture.GetAsync("/api/v1/datasets", token)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["orders"], catalog.GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("name").GetString()));

        // Only admins and principals with an 'embed' grant may sign.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/embed/tokens") { Content = JsonContent.Create(new { principal = "root" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Tokens["alice"]);
        using var refused = await fixture.Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Tampered_unsigned_foreign_and_expired_embed_tokens_are_refused()
    {
        var token = await EmbedTokenAsync(new { principal = "portal", attributes = new { merchant_id = "7" }, datasets = new[] { "orders" } });
        var parts = token.Split('.');
        string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        string Decode(string part) => Encoding.UTF8.GetString(Convert.FromBase64String(part.Replace('-', '+').Replace('_', '/').PadRight(part.Length + (4 - part.Length % 4) % 4, '=')));

        // Another tenant's id in the payload, the signature left as it was.
        var payload = Decode(parts[1]).Replace("\"merchant_id\":\"7\"", "\"merchant_id\":\"42\"", StringComparison.Ordinal);
        Assert.Contains("42", payload, StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Encode(payload)}.{parts[2]}";
        // alg: none, no signature.
        var unsigned = $"{Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{Encode(payload)}.";
        // Signed with a key this server does not hold.
        var foreignKey = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes("some-other-key-that-is-long-enough-32b"));
        var foreign = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(Decode(parts[1]),
            new Microsoft.IdentityModel.Tokens.SigningCredentials(foreignKey, "HS256"));
        // Switched to HS512 with the real key.
        var realKey = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(AccessFixture.EmbedKey + AccessFixture.EmbedKey));
        var switched = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(Decode(parts[1]),
            new Microsoft.IdentityModel.Tokens.SigningCredentials(realKey, "HS512"));
        // Expired a minute ago (beyond the 30 s of clock skew allowed).
        var expiredPayload = JsonDocument.Parse(Decode(parts[1])).RootElement;
        var expiredJson = Decode(parts[1]).Replace($"\"exp\":{expiredPayload.GetProperty("exp").GetInt64()}", $"\"exp\":{DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()}", StringComparison.Ordinal);
        var ownKey = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(AccessFixture.EmbedKey))
        {
            KeyId = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(AccessFixture.EmbedKey)))[..12].ToLowerInvariant(),
        };
        var expired = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(expiredJson,
            new Microsoft.IdentityModel.Tokens.SigningCredentials(ownKey, "HS256"));

        foreach (var (name, bad) in new[] { ("tampered", tampered), ("alg none", unsigned), ("foreign key", foreign), ("HS512", switched), ("expired", expired) })
        {
            foreach (var path in DataEndpoints)
            {
                using var response = await fixture.GetAsync(path, bad);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name} on {path}: {response.StatusCode}");
                Assert.DoesNotContain("example.com", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
        using var valid = await fixture.GetAsync("/api/v1/datasets/orders/rows", token);
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    [Fact]
    public async Task Over_the_rate_limit_answers_429_with_retry_after()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await fixture.GetAsync("/api/v1/datasets", fixture.Tokens["hasty"]);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
                break;
            }
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task Every_answer_and_refusal_is_in_the_audit_log_with_rows_and_filters()
    {
        using (await fixture.GetAsync("/api/v1/datasets/orders/rows?filter=amount:gt:100&limit=7", fixture.Tokens["m42"])) { }
        var audit = await AuditAsync("m42");
        var read = Assert.Single(audit, e => e.Filters == "amount:gt:100");
        Assert.Equal("ok", read.Status);
        Assert.Equal("orders", read.Target);
        Assert.Equal(7, read.Rows);
        Assert.True(read.Bytes > 0);

        using var response = await fixture.GetAsync("/api/v1/audit?principal=m42&since=1h", fixture.Tokens["root"]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entries = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries");
        Assert.Contains(entries.EnumerateArray(), e => e.GetProperty("filters").GetString() == "amount:gt:100");
    }
    private async Task<(HttpStatusCode Status, string Body)> TryEmbedAsync(object body, string issuer)
    {
        using var response = await fixture.PostAsync("/api/v1/embed/tokens", body, fixture.Tokens[issuer]);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_embed_grant_cannot_mint_a_token_for_another_principal_or_for_admin_rights()
    {
        // The audit's exploit: a principal with an 'embed' grant signs for root.
        var (status, body) = await TryEmbedAsync(new { principal = "root", ttl = "15m" }, "portal");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("may sign embed tokens only for itself, not for 'root'", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"token\"", body, StringComparison.Ordinal);
        // Nor for another principal that may embed.
        Assert.Equal(HttpStatusCode.Forbidden, (await TryEmbedAsync(new { principal = "portal42" }, "portal")).Status);
        // An admin may sign for a principal that holds 'embed' grants, but admin rights never travel in a token.
        (status, body) = await TryEmbedAsync(new { principal = "root" }, "root");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("holds no 'embed' grant", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await TryEmbedAsync(new { principal = "alice" }, "root")).Status);
        var signedByAdmin = await EmbedTokenAsync(new { principal = "portal", attributes = new { merchant_id = "7" }, datasets = new[] { "orders" } }, "root");
        using (var rows = await fixture.GetAsync("/api/v1/datasets/orders/rows?limit=1000", signedByAdmin))
            Assert.All(await MerchantIdsAsync(rows), id => Assert.Equal(7L, id));

        // Whatever it names, a token reads through its principal's 'embed' grants only, and only reads.
        var token = await EmbedTokenAsync(new { attributes = new { merchant_id = "7" } });
        foreach (var (method, path) in new[] { ("GET", "/api/v1/audit"), ("GET", "/api/v1/datasets/orders/rows?format=csv"), ("GET", "/api/v1/datasets/ledger/rows"),
                     ("POST", "/api/v1/embed/tokens"), ("POST", "/api/v1/datasets/orders/refresh") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(new { principal = "portal" }) : null };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await fixture.Server.Http.SendAsync(request);
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{method} {path}: {response.StatusCode}");
        }
        // PII stays masked, even in a token an admin signed.
        foreach (var embed in new[] { token, signedByAdmin })
        {
            var page = await (await fixture.GetAsync("/api/v1/datasets/orders/rows?filter=order_id:eq:7", embed)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("b***@example.com", page.GetProperty("rows")[0].GetProperty("customer_email").GetString());
        }
    }

    [Fact]
    public async Task An_embed_token_names_only_datasets_and_metrics_its_embed_grants_cover()
    {
        // Not covered by an 'embed' grant: the same 400 whether the dataset exists (ledger, hidden) or not.
        var (status, hidden) = await TryEmbedAsync(new { datasets = new[] { "ledger" } }, "portal");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var (_, missing) = await TryEmbedAsync(new { datasets = new[] { "ledgers" } }, "portal");
        Assert.Equal(hidden.Replace("ledger", "X", StringComparison.Ordinal), missing.Replace("ledgers", "X", StringComparison.Ordinal));
        Assert.Contains("its 'embed' grants cover: customers, orders", hidden, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await TryEmbedAsync(new { datasets = new[] { "merchants" } }, "portal")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await TryEmbedAsync(new { metrics = new[] { "no_such_metric" } }, "portal")).Status);
    }

    [Fact]
    public async Task Embed_attributes_add_to_the_issuers_never_replace_them()
    {
        // portal42 is merchant 42 in access.yaml: its tokens stay merchant 42's, whatever they ask.
        var (status, body) = await TryEmbedAsync(new { attributes = new { merchant_id = "7" }, datasets = new[] { "orders" } }, "portal42");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("attribute 'merchant_id' is set for principal 'portal42'", body, StringComparison.Ordinal);
        var own = await EmbedTokenAsync(new { datasets = new[] { "orders" } }, "portal42");
        using (var rows = await fixture.GetAsync("/api/v1/datasets/orders/rows?limit=1000", own))
        {
            var ids = await MerchantIdsAsync(rows);
            Assert.Equal(100, ids.Count);
            Assert.All(ids, id => Assert.Equal(42L, id));
        }
        // A principal without the attribute: a token lacking it is refused, never widened.
        var bare = await EmbedTokenAsync(new { datasets = new[] { "orders" } });
        using var refused = await fixture.GetAsync("/api/v1/datasets/orders/rows", bare);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("has no attribute 'merchant_id'", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("99999999d")]
    [InlineData("999999999999999w")]
    [InlineData("2h")]
    [InlineData("soon")]
    public async Task An_embed_ttl_beyond_max_ttl_or_unreadable_is_a_400(string ttl)
    {
        var (status, body) = await TryEmbedAsync(new { attributes = new { merchant_id = "7" }, ttl }, "portal");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("max_ttl", body, StringComparison.Ordinal);
        using var within = await fixture.PostAsync("/api/v1/embed/tokens", new { attributes = new { merchant_id = "7" }, ttl = "1h" }, fixture.Tokens["portal"]);
        Assert.Equal(HttpStatusCode.OK, within.StatusCode);
    }

    [Fact]
    public async Task An_embed_token_narrowed_to_metrics_reads_no_rows_and_one_narrowed_to_datasets_no_other_metric()
    {
        var metricsOnly = await EmbedTokenAsync(new { principal = "portal", attributes = new { merchant_id = "7" }, metrics = new[] { "order_lines" } });
        using (var rows = await fixture.GetAsync("/api/v1/datasets/orders/rows", metricsOnly))
            Assert.Equal(HttpStatusCode.NotFound, rows.StatusCode);
        using (var metric = await fixture.GetAsync("/api/v1/metrics/query?metrics=order_lines", metricsOnly))
            Assert.Equal(HttpStatusCode.OK, metric.StatusCode);

        // portal holds 'sales' by name for reading, not for embedding; a token for customers cannot ask it.
        var customersOnly = await EmbedTokenAsync(new { principal = "portal", datasets = new[] { "customers" } });
        using (var sales = await fixture.GetAsync("/api/v1/metrics/query?metrics=sales", customersOnly))
        {
            Assert.Equal(HttpStatusCode.NotFound, sales.StatusCode);
            Assert.DoesNotContain("orders", await sales.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var customers = await fixture.GetAsync("/api/v1/datasets/customers/rows", customersOnly))
            Assert.Equal(HttpStatusCode.OK, customers.StatusCode);
    }

    [Fact]
    public async Task Each_embed_subject_has_its_own_rate_limit_and_is_audited()
    {
        var tenantA = await EmbedTokenAsync(new { principal = "busy_portal", attributes = new { merchant_id = "7" }, datasets = new[] { "orders" }, subject = "tenant-a" }, "busy_portal");
        var tenantB = await EmbedTokenAsync(new { principal = "busy_portal", attributes = new { merchant_id = "42" }, datasets = new[] { "orders" } }, "busy_portal");
        HttpStatusCode last = HttpStatusCode.OK;
        for (var i = 0; i < 8 && last != HttpStatusCode.TooManyRequests; i++)
        {
            using var response = await fixture.GetAsync("/api/v1/datasets", tenantA);
            last = response.StatusCode;
            if (last == HttpStatusCode.TooManyRequests)
                Assert.Contains("embed subject 'tenant-a' of principal 'busy_portal'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last);
        // Tenant A's busy page spends nothing of tenant B's budget.
        using (var other = await fixture.GetAsync("/api/v1/datasets/orders/rows?limit=3", tenantB))
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        var audit = await AuditAsync("busy_portal");
        Assert.Contains(audit, e => e.Subject == "tenant-a" && e.Status == "rate-limited");
        Assert.Contains(audit, e => e.Subject == "merchant_id=42" && e.Target == "orders" && e.Rows == 3);
        using var api = await fixture.GetAsync("/api/v1/audit?principal=busy_portal", fixture.Tokens["root"]);
        var entries = (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries").EnumerateArray();
        Assert.Contains(entries, e => e.GetProperty("subject").GetString() == "tenant-a");
    }

    [Fact]
    public async Task An_unknown_token_id_and_a_wrong_secret_get_the_same_401()
    {
        using var unknown = await fixture.GetAsync("/api/v1/datasets", "ldl_000000000000_" + new string('A', 43));
        var real = fixture.Tokens["alice"];
        using var wrong = await fixture.GetAsync("/api/v1/datasets", real[..17] + new string('A', real.Length - 17));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var a = (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        var b = (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Equal(a, b);
    }

    [Fact]
    public async Task A_quarantined_version_is_read_only_by_its_owner_and_admins()
    {
        LoopbackServer.File(fixture.Server.Root, "data/stock.csv", AccessFixture.StockCsv(duplicate: true));
        var result = (await fixture.Server.Engine.Publisher.MaterializeAsync(["stock"], "test", null, CancellationToken.None)).Single();
        Assert.True(result.Quarantined);
        var version = result.Version!.Value;
        foreach (var principal in new[] { "alice", "bob" })
        {
            using var refused = await fixture.GetAsync($"/api/v1/datasets/stock/rows?version={version}", fixture.Tokens[principal]);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("quarantined: only its owner", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var served = await fixture.GetAsync("/api/v1/datasets/stock/rows", fixture.Tokens[principal]);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
        foreach (var principal in new[] { "root", "stocky" })
        {
            using var inspected = await fixture.GetAsync($"/api/v1/datasets/stock/rows?version={version}", fixture.Tokens[principal]);
            Assert.Equal(HttpStatusCode.OK, inspected.StatusCode);
            Assert.Equal(3, (await inspected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").GetArrayLength());
        }
    }
}
