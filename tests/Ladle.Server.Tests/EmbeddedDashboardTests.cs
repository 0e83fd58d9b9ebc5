using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ladle.Server.Tests;

/// <summary>
/// An embedded dashboard is authorised by its embed token alone: every request its page makes — the dashboard,
/// each tile's metric query, the CSV export — carries the token's row filters; a token shows only the dashboards it
/// names; an expired or tampered one gets nothing, exports included (Superset#24745).
/// </summary>
public sealed class EmbeddedDashboardTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    /// <summary>Merchant 42's orders in the fixture: every third order, amount i.50.</summary>
    private static readonly decimal Merchant42Sales = Enumerable.Range(1, 300).Where(i => i % 3 == 0).Sum(i => i + 0.5m);

    private async Task<string> SignAsync(object body)
    {
        using var response = await fixture.PostAsync("/api/v1/embed/tokens", body, fixture.Tokens["portal"]);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private async Task<HttpResponseMessage> PostAsync(string path, JsonElement body, string token) => await fixture.PostAsync(path, body, token);

    [Fact]
    public async Task An_embed_as_merchant_42_gets_only_its_numbers_and_its_csv_export_only_its_rows()
    {
        var token = await SignAsync(new { attributes = new { merchant_id = "42" }, dashboards = new[] { "merchant" }, export = true, ttl = "10m" });

        var list = await (await fixture.GetAsync("/api/v1/dashboards", token)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["merchant"], list.GetProperty("dashboards").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        using var dashboardResponse = await fixture.GetAsync("/api/v1/dashboards/merchant", token);
        Assert.Equal(HttpStatusCode.OK, dashboardResponse.StatusCode);
        var tiles = (await dashboardResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tiles").EnumerateArray().ToList();

        using var kpi = await PostAsync("/api/v1/metrics/query", tiles[0].GetProperty("query"), token);
        Assert.Equal(HttpStatusCode.OK, kpi.StatusCode);
        Assert.Equal(Merchant42Sales, (await kpi.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows")[0].GetProperty("sales").GetDecimal());
        using var bars = await PostAsync("/api/v1/metrics/query", tiles[1].GetProperty("query"), token);
        var barRows = (await bars.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([42L], barRows.Select(r => r.GetProperty("merchant_id").GetInt64()));

        // The tile's CSV export, and the rows of the dataset it reads: merchant 42's only.
        using var csv = await fixture.GetAsync("/api/v1/metrics/query?metrics=sales&dimensions=merchant_id&format=csv", token);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("merchant_id,sales", lines[0]);
        Assert.Equal(("42", Merchant42Sales), (lines[1].Split(',')[0], decimal.Parse(lines[1].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)));
        using var rowsCsv = await fixture.GetAsync("/api/v1/datasets/orders/rows?format=csv&columns=order_id,merchant_id", token);
        Assert.Equal(HttpStatusCode.OK, rowsCsv.StatusCode);
        var rows = (await rowsCsv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).ToList();
        Assert.Equal(100, rows.Count);
        Assert.All(rows, r => Assert.EndsWith(",42", r, StringComparison.Ordinal));

        // Narrowed to its dashboard: another dashboard, and a metric no tile of it reads, do not exist for it.
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.GetAsync("/api/v1/dashboards/stock", token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.GetAsync("/api/v1/metrics/query?metrics=order_lines", token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.GetAsync("/api/v1/datasets/customers/rows", token)).StatusCode);
    }

    [Fact]
    public async Task A_token_signed_without_export_reads_but_exports_nothing()
    {
        var token = await SignAsync(new { attributes = new { merchant_id = "42" }, dashboards = new[] { "merchant" } });
        using var json = await fixture.GetAsync("/api/v1/metrics/query?metrics=sales", token);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        foreach (var path in new[] { "/api/v1/metrics/query?metrics=sales&format=csv", "/api/v1/datasets/orders/rows?format=csv" })
        {
            using var csv = await fixture.GetAsync(path, token);
            Assert.Equal(HttpStatusCode.Forbidden, csv.StatusCode);
            Assert.Contains("signed without \\\"export\\\": true", await csv.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_expired_or_tampered_token_gets_401_and_no_rows_from_the_dashboard_its_tiles_or_its_exports()
    {
        var token = await SignAsync(new { attributes = new { merchant_id = "42" }, dashboards = new[] { "merchant" }, export = true });
        var expired = Expired(token);
        var parts = token.Split('.');
        var tampered = $"{parts[0]}.{Encode(Decode(parts[1]).Replace("\"42\"", "\"7\"", StringComparison.Ordinal))}.{parts[2]}";
        var paths = new[]
        {
            "/api/v1/dashboards", "/api/v1/dashboards/merchant", "/api/v1/metrics/query?metrics=sales&dimensions=merchant_id",
            "/api/v1/metrics/query?metrics=sales&dimensions=merchant_id&format=csv", "/api/v1/datasets/orders/rows?format=csv",
        };
        foreach (var (name, bad) in new[] { ("expired", expired), ("tampered", tampered) })
        {
            foreach (var path in paths)
            {
                using var response = await fixture.GetAsync(path, bad);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name} on {path}: {response.StatusCode}");
                Assert.DoesNotContain("sales", body.Replace("metrics=sales", "", StringComparison.Ordinal), StringComparison.Ordinal);
                Assert.DoesNotContain("merchant_id,", body, StringComparison.Ordinal);
            }
            using var posted = await fixture.PostAsync("/api/v1/metrics/query", new { metrics = new[] { "sales" }, format = "csv" }, bad);
            Assert.Equal(HttpStatusCode.Unauthorized, posted.StatusCode);
        }
    }

    [Fact]
    public async Task A_dashboard_its_embed_grants_do_not_cover_cannot_be_signed()
    {
        using var stock = await fixture.PostAsync("/api/v1/embed/tokens", new { attributes = new { merchant_id = "42" }, dashboards = new[] { "stock" } }, fixture.Tokens["portal"]);
        Assert.Equal(HttpStatusCode.BadRequest, stock.StatusCode);
        Assert.Contains("may not embed dashboard 'stock': its 'embed' grants do not cover metric 'units'", await stock.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var unknown = await fixture.PostAsync("/api/v1/embed/tokens", new { dashboards = new[] { "merchnt" } }, fixture.Tokens["portal"]);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("no dashboard 'merchnt' (did you mean 'merchant'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_theme_travels_in_the_token_and_only_colours_and_font_names_are_signed()
    {
        var token = await SignAsync(new { attributes = new { merchant_id = "42" }, dashboards = new[] { "merchant" }, theme = new { accent = "#b45309", font = "Georgia, serif", mode = "dark" } });
        var theme = JsonDocument.Parse(Decode(token.Split('.')[1])).RootElement.GetProperty("theme");
        Assert.Equal(("#b45309", "Georgia, serif", "dark"), (theme.GetProperty("accent").GetString(), theme.GetProperty("font").GetString(), theme.GetProperty("mode").GetString()));
        foreach (var bad in new object[] { new { accent = "red;}body{background:url(https://evil.example/x)" }, new { colour = "red" } })
        {
            using var refused = await fixture.PostAsync("/api/v1/embed/tokens", new { attributes = new { merchant_id = "42" }, theme = bad }, fixture.Tokens["portal"]);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("theme", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/embed/dashboards/merchant")]
    [InlineData("/embed/dashboards/merchant/tiles/total")]
    public async Task An_embed_page_may_be_framed_and_loads_the_chart_library_from_this_server(string path)
    {
        using var response = await fixture.Server.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Frame-Options"));
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.DoesNotContain("frame-ancestors", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();
        // Preloaded by the shell (charts.js runs it when a chart is drawn), beside every module embed.js imports.
        var script = System.Text.RegularExpressions.Regex.Match(html, "<link rel=\"preload\" as=\"script\" href=\"(/ui/[0-9a-f]{12}/vendor/uplot/uPlot.iife.min.js)\"").Groups[1].Value;
        Assert.NotEmpty(script);
        Assert.Contains("/embed.js", html, StringComparison.Ordinal);
        foreach (var module in new[] { "embed.js", "api.js", "dashboard-view.js", "charts.js" })
            Assert.Matches($"<link rel=\"modulepreload\" href=\"/ui/[0-9a-f]{{12}}/{System.Text.RegularExpressions.Regex.Escape(module)}\">", html);
        // uPlot, restored from the registry at build time and embedded, is served like every asset of the UI.
        using var library = await fixture.Server.Http.GetAsync(script);
        Assert.Equal(HttpStatusCode.OK, library.StatusCode);
        Assert.Contains("uPlot", await library.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Decode(string part) => Encoding.UTF8.GetString(Convert.FromBase64String(part.Replace('-', '+').Replace('_', '/').PadRight(part.Length + (4 - part.Length % 4) % 4, '=')));

    /// <summary>The same claims, signed with the server's key, expired a minute ago (past the 30 s of clock skew).</summary>
    internal static string Expired(string token)
    {
        var payload = Decode(token.Split('.')[1]);
        var exp = JsonDocument.Parse(payload).RootElement.GetProperty("exp").GetInt64();
        var json = payload.Replace($"\"exp\":{exp}", $"\"exp\":{DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()}", StringComparison.Ordinal);
        var key = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(AccessFixture.EmbedKey))
        {
            KeyId = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(AccessFixture.EmbedKey)))[..12].ToLowerInvariant(),
        };
        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }
            .CreateToken(json, new Microsoft.IdentityModel.Tokens.SigningCredentials(key, "HS256"));
    }
}
