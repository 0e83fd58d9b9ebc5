using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ladle.Core.Queries;

namespace Ladle.Server.Tests;

/// <summary>
/// What one request may ask of the engine is bounded, and input out of range is a 400 naming the parameter:
/// never a 500, and never minutes of CPU for an answer of three rows.
/// </summary>
public sealed class RequestLimitsTests(MetricsServerFixture fixture) : IClassFixture<MetricsServerFixture>
{
    private HttpClient Http => fixture.Http;

    private static async Task AssertProblemAsync(HttpResponseMessage response, string parameter, string message)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9999-12-31")]
    [InlineData("9999")]
    [InlineData("9999-12")]
    [InlineData("last 9999 years")]
    public async Task Ranges_past_the_calendar_answer_400_naming_the_range(string range)
    {
        using var response = await Http.GetAsync("/api/v1/metrics/query?metrics=revenue&granularity=day&range=" + Uri.EscapeDataString(range));
        await AssertProblemAsync(response, "range", "outside the calendar");
    }

    [Fact]
    public async Task Hourly_periods_over_millennia_with_fill_are_refused_at_once()
    {
        var before = fixture.Server.Engine.Semantic.QueriesRun;
        using var response = await Http.GetAsync("/api/v1/metrics/query?metrics=revenue&granularity=hour&range=0002-01-01..9998-01-01&fill=zero");
        await AssertProblemAsync(response, "range", $"at most {RequestLimits.MaxPeriods:N0}");
        // Refused while planning: nothing ran (before the limit this took 82 s of CPU for 3 rows).
        Assert.Equal(before, fixture.Server.Engine.Semantic.QueriesRun);

        // A range of the same grain that fits still answers.
        using var fits = await Http.GetAsync("/api/v1/metrics/query?metrics=revenue&granularity=hour&range=2026-01-01..2026-01-03&fill=zero");
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(48, (await fits.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public async Task Two_hundred_in_filters_of_a_thousand_values_are_refused_before_any_query()
    {
        var values = string.Join(",", Enumerable.Range(0, 1000).Select(i => "r" + i));
        var filters = Enumerable.Range(0, 200).Select(_ => "region:in:" + values).ToList();
        var before = fixture.Server.Engine.Semantic.QueriesRun;
        using var response = await Http.PostAsJsonAsync("/api/v1/metrics/query", new { metrics = new[] { "revenue" }, dimensions = new[] { "region" }, filters });
        await AssertProblemAsync(response, "filter", $"more than the {RequestLimits.MaxFilters} a request may have");
        Assert.Equal(before, fixture.Server.Engine.Semantic.QueriesRun);

        // Fewer filters but more values in all than a request may hold: the same 400.
        using var values2 = await Http.PostAsJsonAsync("/api/v1/metrics/query", new { metrics = new[] { "revenue" }, filters = filters.Take(2).ToList() });
        await AssertProblemAsync(values2, "filter", $"more than the {RequestLimits.MaxFilterValues:N0} values");

        // Rows take the same limits.
        var rows = string.Join("&", Enumerable.Range(0, RequestLimits.MaxFilters + 1).Select(i => "filter=region:ne:x" + i));
        using var rowsResponse = await Http.GetAsync("/api/v1/datasets/orders/rows?" + rows);
        await AssertProblemAsync(rowsResponse, "filter", "filters is more than");
        using var nul = await Http.GetAsync("/api/v1/metrics/query?metrics=revenue&dimensions=region&filter=region:eq:EU%00US");
        await AssertProblemAsync(nul, "filter", "control character (U+0000)");
    }

    [Fact]
    public async Task Audit_since_past_the_calendar_is_a_400()
    {
        using var response = await Http.GetAsync("/api/v1/audit?since=800000d");
        await AssertProblemAsync(response, "since", "at most 36500d");
    }
}
