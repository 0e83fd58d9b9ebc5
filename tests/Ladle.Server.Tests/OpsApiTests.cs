using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ladle.Server.Tests;

/// <summary>
/// What the ops page and the dataset page's lineage read, over real HTTP: runs with their outcomes, incidents,
/// schedules and lineage, each only about the datasets the caller may see.
/// </summary>
public sealed class OpsApiTests(ShopServerFixture shop) : IClassFixture<ShopServerFixture>
{
    private async Task<JsonElement> GetAsync(string path, string principal, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", shop.Tokens[principal]);
        using var response = await shop.Server.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path} as {principal}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Runs_list_every_visible_datasets_attempts_newest_first_with_their_outcome()
    {
        var runs = (await GetAsync("/api/v1/runs", "root")).GetProperty("runs").EnumerateArray().ToList();
        var stock = runs.Where(r => r.GetProperty("dataset").GetString() == "stock").ToList();
        Assert.Equal(["quarantined", "published"], stock.Select(r => r.GetProperty("status").GetString()));
        Assert.Contains(runs, r => r.GetProperty("dataset").GetString() == "top_region" && r.GetProperty("status").GetString() == "published");
        var started = runs.Select(r => r.GetProperty("started_at").GetDateTimeOffset()).ToList();
        Assert.Equal(started.OrderByDescending(s => s), started);
        Assert.Equal(3, stock[1].GetProperty("row_count").GetInt64());

        // A merchant reads orders through a row filter: its runs only, and no count of every row.
        var merchant = (await GetAsync("/api/v1/runs", "m42")).GetProperty("runs").EnumerateArray().ToList();
        Assert.NotEmpty(merchant);
        Assert.All(merchant, r => Assert.Equal("orders", r.GetProperty("dataset").GetString()));
        Assert.All(merchant, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("row_count").ValueKind));
        await GetAsync("/api/v1/runs?dataset=stock", "m42", HttpStatusCode.NotFound);
        var one = (await GetAsync("/api/v1/runs?dataset=stock&limit=1", "alice")).GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal("quarantined", Assert.Single(one).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_limit_out_of_range_is_a_400_naming_limit()
    {
        var problem = await GetAsync("/api/v1/runs?limit=0", "root", HttpStatusCode.BadRequest);
        Assert.Equal("limit", problem.GetProperty("parameter").GetString());
        await GetAsync("/api/v1/incidents?limit=100000", "root", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Incidents_are_listed_for_who_may_see_their_dataset_and_open_ones_can_be_asked_for_alone()
    {
        var state = shop.Server.Engine.State;
        await state.OpenIncidentAsync("customers", "test_resolved", "a test incident, resolved", DateTimeOffset.UtcNow.AddMinutes(-5), CancellationToken.None);
        await state.ResolveIncidentAsync("customers", "test_resolved", DateTimeOffset.UtcNow, CancellationToken.None);
        await state.OpenIncidentAsync("customers", "test_open", "a test incident, open", DateTimeOffset.UtcNow, CancellationToken.None);

        var all = (await GetAsync("/api/v1/incidents", "alice")).GetProperty("incidents").EnumerateArray().ToList();
        Assert.Contains(all, i => i.GetProperty("kind").GetString() == "test_resolved" && i.GetProperty("state").GetString() == "resolved");
        var open = (await GetAsync("/api/v1/incidents?open=true", "alice")).GetProperty("incidents").EnumerateArray().ToList();
        Assert.Contains(open, i => i.GetProperty("kind").GetString() == "test_open" && i.GetProperty("reason").GetString() == "a test incident, open");
        Assert.DoesNotContain(open, i => i.GetProperty("kind").GetString() == "test_resolved");
        // The merchant may not see customers: not its incidents either.
        var merchant = (await GetAsync("/api/v1/incidents", "m42")).GetProperty("incidents").EnumerateArray().ToList();
        Assert.DoesNotContain(merchant, i => i.GetProperty("dataset").GetString() == "customers");
    }

    [Fact]
    public async Task Schedules_say_when_each_visible_scheduled_dataset_runs_next()
    {
        var before = DateTimeOffset.UtcNow;
        var schedule = Assert.Single((await GetAsync("/api/v1/schedules", "alice")).GetProperty("schedules").EnumerateArray());
        Assert.Equal("customers", schedule.GetProperty("dataset").GetString());
        Assert.Equal("0 3 * * *", schedule.GetProperty("schedule").GetString());
        var next = schedule.GetProperty("next_run_at").GetDateTimeOffset();
        Assert.Equal(new TimeSpan(3, 0, 0), next.UtcDateTime.TimeOfDay);
        Assert.InRange(next, before, before.AddDays(1).AddMinutes(1));
        Assert.Equal("published", schedule.GetProperty("last_run").GetProperty("status").GetString());
        Assert.Empty((await GetAsync("/api/v1/schedules", "m42")).GetProperty("schedules").EnumerateArray());
    }

    [Fact]
    public async Task Lineage_walks_inputs_and_dependents_transitively()
    {
        var lineage = await GetAsync("/api/v1/datasets/orders/lineage", "root");
        var nodes = lineage.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!, n => n.GetProperty("depth").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["orders"] = 0, ["region_sales"] = 1, ["top_region"] = 2 }, nodes);
        var edges = lineage.GetProperty("edges").EnumerateArray().Select(e => $"{e.GetProperty("from").GetString()}->{e.GetProperty("to").GetString()}").ToList();
        Assert.Equal(["orders->region_sales", "region_sales->top_region"], edges);

        var middle = await GetAsync("/api/v1/datasets/top_region/lineage", "alice");
        Assert.Equal([-2, -1, 0], middle.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("depth").GetInt32()));
    }

    [Fact]
    public async Task Lineage_never_shows_or_walks_through_a_dataset_the_caller_may_not_see()
    {
        var lineage = await GetAsync("/api/v1/datasets/orders/lineage", "m42");
        Assert.Equal(["orders"], lineage.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()));
        Assert.Empty(lineage.GetProperty("edges").EnumerateArray());
        await GetAsync("/api/v1/datasets/region_sales/lineage", "m42", HttpStatusCode.NotFound);
    }
}
