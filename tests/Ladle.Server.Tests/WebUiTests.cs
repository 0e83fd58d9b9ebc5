using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;

namespace Ladle.Server.Tests;

/// <summary>
/// The web UI as HTTP serves it: page shells at the UI's routes (revalidated, not framable, strict CSP), assets under
/// a versioned prefix (immutable, Brotli/gzip), nothing at paths that are not pages, and a catalog search over the
/// public API that only ever finds what the caller may see.
/// </summary>
public sealed partial class WebUiTests(AccessFixture fixture) : IClassFixture<AccessFixture>, IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseCookies = false, AutomaticDecompression = DecompressionMethods.None })
    {
        BaseAddress = fixture.Server.Http.BaseAddress,
    };

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("/ui/([0-9a-f]{12})/app\\.js")]
    private static partial Regex AppScript();

    [Theory]
    [InlineData("/")]
    [InlineData("/signin")]
    [InlineData("/ops")]
    [InlineData("/datasets/orders")]
    public async Task Every_page_is_the_shell_revalidated_on_each_visit_and_never_framed(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl!.ToString());
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Matches(AppScript(), html);
        Assert.DoesNotContain("{{assets}}", html, StringComparison.Ordinal);
        Assert.Contains("<main id=\"main\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pages_shell_preloads_every_module_it_will_import_and_the_chart_library_only_where_charts_are_drawn()
    {
        var dashboard = await _http.GetStringAsync("/dashboards/merchant");
        // The whole import graph at once (app.js, the page's module and what they import, at any depth), not one level per round trip.
        foreach (var module in new[] { "app.js", "api.js", "ui.js", "routes.js", "pages/dashboard.js", "dashboard-view.js", "charts.js" })
            Assert.Matches($"<link rel=\"modulepreload\" href=\"/ui/[0-9a-f]{{12}}/{Regex.Escape(module)}\">", dashboard);
        Assert.Contains("uPlot.iife.min.js", dashboard, StringComparison.Ordinal);
        Assert.DoesNotContain("{{preload}}", dashboard, StringComparison.Ordinal);

        var catalog = await _http.GetStringAsync("/");
        Assert.Contains("pages/catalog.js\">", catalog, StringComparison.Ordinal);
        Assert.DoesNotContain("uPlot", catalog, StringComparison.Ordinal);
        Assert.DoesNotContain("dashboard-view.js", catalog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assets_are_immutable_under_their_version_and_compressed_for_browsers_that_accept_it()
    {
        var html = await _http.GetStringAsync("/");
        var version = AppScript().Match(html).Groups[1].Value;

        using var plain = await _http.GetAsync($"/ui/{version}/app.js");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("text/javascript", plain.Content.Headers.ContentType!.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", plain.Headers.CacheControl!.ToString());
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        var identity = await plain.Content.ReadAsByteArrayAsync();

        using var brRequest = new HttpRequestMessage(HttpMethod.Get, $"/ui/{version}/app.js");
        brRequest.Headers.Add("Accept-Encoding", "gzip, deflate, br");
        using var br = await _http.SendAsync(brRequest);
        Assert.Equal("br", Assert.Single(br.Content.Headers.ContentEncoding));
        Assert.Contains("Accept-Encoding", br.Headers.Vary);
        var compressed = await br.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < identity.Length);
        using (var inflate = new BrotliStream(new MemoryStream(compressed), CompressionMode.Decompress))
        using (var copy = new MemoryStream())
        {
            await inflate.CopyToAsync(copy);
            Assert.Equal(identity, copy.ToArray());
        }

        using var gzRequest = new HttpRequestMessage(HttpMethod.Get, $"/ui/{version}/app.css");
        gzRequest.Headers.Add("Accept-Encoding", "gzip");
        using var gz = await _http.SendAsync(gzRequest);
        Assert.Equal("gzip", Assert.Single(gz.Content.Headers.ContentEncoding));

        // The entity tag revalidates; another version's URL or an unknown file is not answered with these bytes.
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/ui/{version}/app.js");
        again.Headers.TryAddWithoutValidation("If-None-Match", plain.Headers.ETag!.ToString());
        using var notModified = await _http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        using var stale = await _http.GetAsync("/ui/000000000000/app.js");
        Assert.Equal(HttpStatusCode.NotFound, stale.StatusCode);
        using var missing = await _http.GetAsync($"/ui/{version}/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("/no-such-page")]
    [InlineData("/api/v1/no-such-thing")]
    [InlineData("/datasets")]
    public async Task A_path_that_is_not_a_page_is_not_answered_with_the_shell(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("<main", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("customer_email", "orders", "column customer_email")]
    [InlineData("stock-team", "stock", "owner")]
    [InlineData("crm", "customers", "domain")]
    [InlineData("CUSTOMERS city", "customers", "name")]
    public async Task Catalog_search_finds_a_dataset_by_its_name_domain_owner_or_column_and_says_where(string q, string dataset, string where)
    {
        using var response = await fixture.GetAsync("/api/v1/datasets?q=" + Uri.EscapeDataString(q), fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hits = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content)).GetProperty("datasets").EnumerateArray().ToList();
        var hit = Assert.Single(hits, h => h.GetProperty("name").GetString() == dataset);
        Assert.Contains(where, hit.GetProperty("matched").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Catalog_search_finds_a_dataset_by_a_column_it_serves_without_declaring_it()
    {
        // ledger declares no columns; its published version has 'entry' and 'amount'.
        using var response = await fixture.GetAsync("/api/v1/datasets?q=entry", fixture.Tokens["root"]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hits = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content)).GetProperty("datasets").EnumerateArray().ToList();
        var hit = Assert.Single(hits, h => h.GetProperty("name").GetString() == "ledger");
        Assert.Equal(["column entry"], hit.GetProperty("matched").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Catalog_search_never_finds_a_dataset_the_caller_may_not_see()
    {
        using var admin = await fixture.GetAsync("/api/v1/datasets?q=ledger", fixture.Tokens["root"]);
        Assert.Contains("\"ledger\"", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var alice = await fixture.GetAsync("/api/v1/datasets?q=ledger", fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        Assert.DoesNotContain("ledger", await alice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_catalog_search_too_long_is_a_400_naming_q()
    {
        using var response = await fixture.GetAsync("/api/v1/datasets?q=" + new string('x', 201), fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"q\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
