using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ladle.Server.Tests;

/// <summary>/api/v1/dashboards: tiles come back as metric queries resolved for now, and their numbers are the metrics API's.</summary>
public sealed class DashboardsApiTests(MetricsServerFixture fixture) : IClassFixture<MetricsServerFixture>
{
    private HttpClient Http => fixture.Http;

    /// <summary>The fixture's completed revenue in a month, computed from the rows it wrote rather than asked of Ladle.</summary>
    private static decimal RevenueIn(int month, string? region = null) => Enumerable.Range(1, 3000)
        .Where(i => 1 + i % 6 == month && i % 9 != 0 && (region is null || (i % 3 == 0 ? "EU" : i % 3 == 1 ? "US" : "APAC") == region))
        .Sum(i => i % 400 + 0.25m);

    private async Task<JsonElement> AnswerAsync(JsonElement query)
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/metrics/query", query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_kpi_tile_reads_its_range_and_the_period_before_it_through_the_metrics_api()
    {
        var list = await Http.GetFromJsonAsync<JsonElement>("/api/v1/dashboards");
        var summary = Assert.Single(list.GetProperty("dashboards").EnumerateArray());
        Assert.Equal(("shop", "Shop", 3), (summary.GetProperty("name").GetString(), summary.GetProperty("title").GetString(), summary.GetProperty("tiles").GetInt32()));

        var dashboard = await Http.GetFromJsonAsync<JsonElement>("/api/v1/dashboards/shop");
        var tiles = dashboard.GetProperty("tiles").EnumerateArray().ToList();
        Assert.Equal(["kpi", "line", "bar"], tiles.Select(t => t.GetProperty("kind").GetString()));
        var kpi = tiles[0];
        Assert.Equal("2026-05-01T00:00:00..2026-06-01T00:00:00", kpi.GetProperty("range").GetString());
        Assert.Equal("2026-04-01T00:00:00..2026-05-01T00:00:00", kpi.GetProperty("previous_range").GetString());
        Assert.Equal("Europe/Berlin", kpi.GetProperty("query").GetProperty("time").GetProperty("zone").GetString());

        var current = (await AnswerAsync(kpi.GetProperty("query"))).GetProperty("rows")[0].GetProperty("revenue").GetDecimal();
        var previous = (await AnswerAsync(kpi.GetProperty("previous_query"))).GetProperty("rows")[0].GetProperty("revenue").GetDecimal();
        Assert.Equal((RevenueIn(5), RevenueIn(4)), (current, previous));
        // Only KPI tiles compare; the line tile keeps its own range.
        Assert.Equal(JsonValueKind.Null, tiles[1].GetProperty("previous_query").ValueKind);
        Assert.Equal("2026-01-01T00:00:00..2026-07-01T00:00:00", tiles[1].GetProperty("range").GetString());
        var months = (await AnswerAsync(tiles[1].GetProperty("query"))).GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(6, months.Count);
        Assert.Equal(RevenueIn(3), months.Single(m => m.GetProperty("metric_time").GetString() == "2026-03-01").GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task The_readers_filter_and_range_reach_every_tile()
    {
        var dashboard = await Http.GetFromJsonAsync<JsonElement>("/api/v1/dashboards/shop?filter=region:eq:EU&range=2026-04..2026-07");
        Assert.Equal("region:eq:EU", dashboard.GetProperty("filters")[0].GetProperty("applied").GetString());
        var tiles = dashboard.GetProperty("tiles").EnumerateArray().ToList();
        Assert.All(tiles, t => Assert.Contains("region:eq:EU", t.GetProperty("query").GetProperty("filters").EnumerateArray().Select(f => f.GetString())));
        var kpi = (await AnswerAsync(tiles[0].GetProperty("query"))).GetProperty("rows")[0].GetProperty("revenue").GetDecimal();
        var before = (await AnswerAsync(tiles[0].GetProperty("previous_query"))).GetProperty("rows")[0].GetProperty("revenue").GetDecimal();
        // Three whole months, so the period before is the three months before: the fixture's EU orders fall in January and April.
        Assert.Equal("2026-01-01T00:00:00..2026-04-01T00:00:00", tiles[0].GetProperty("previous_range").GetString());
        Assert.Equal((RevenueIn(4, "EU"), RevenueIn(1, "EU")), (kpi, before));
        var bars = (await AnswerAsync(tiles[2].GetProperty("query"))).GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["EU"], bars.Select(b => b.GetProperty("region").GetString()));
    }

    [Theory]
    [InlineData("/api/v1/dashboards/shop?filter=status:eq:completed", HttpStatusCode.BadRequest, "has no filter on 'status' (its filters: region)")]
    [InlineData("/api/v1/dashboards/shop?range=last%20forever", HttpStatusCode.BadRequest, "range 'last forever'")]
    [InlineData("/api/v1/dashboards/shop?colour=red", HttpStatusCode.BadRequest, "unknown parameter 'colour'")]
    [InlineData("/api/v1/dashboards/shops", HttpStatusCode.NotFound, "no dashboard 'shops' (did you mean 'shop'")]
    public async Task Bad_requests_name_what_was_wrong(string url, HttpStatusCode status, string message)
    {
        using var response = await Http.GetAsync(url);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
