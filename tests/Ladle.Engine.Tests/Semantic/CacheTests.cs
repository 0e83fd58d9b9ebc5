using System.Globalization;
using System.Text;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.Tests.Semantic;

/// <summary>The cache is exact: a publication changes the answers that read the dataset, at once, and no others.</summary>
public sealed class CacheTests : IAsyncLifetime
{
    private readonly TestProject _project = new("");
    private LadleEngine _engine = null!;

    public async Task InitializeAsync()
    {
        var orders = new StringBuilder("order_id,customer_id,status,amount\n");
        for (var i = 1; i <= 500; i++) orders.Append(CultureInfo.InvariantCulture, $"{i},{i % 50},{(i % 5 == 0 ? "cancelled" : "completed")},{i % 97}.50\n");
        _project.Write("data/orders.csv", orders.ToString());
        _project.Write("data/customers.csv", "customer_id,country\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"{i},{(i % 2 == 0 ? "DE" : "FR")}\n")));
        _project.Dataset("orders", "source: files\ntable: orders*.csv\ncolumns:\n  - { name: order_id, type: integer }\n  - { name: customer_id, type: integer }\n  - { name: status, type: string }\n  - { name: amount, type: decimal }\n");
        _project.Dataset("customers", "source: files\ntable: customers.csv\ncolumns:\n  - { name: customer_id, type: integer }\n  - { name: country, type: string }\n");
        _project.Write("models/retail.yaml", """
            dataset: orders
            entities:
              - { name: order, type: primary }
              - { name: customer, type: foreign }
            dimensions:
              - { name: status }
            measures:
              - { name: revenue, agg: sum, column: amount, filter: "status = 'completed'" }
            """);
        _project.Write("models/customers.yaml", """
            dataset: customers
            entities:
              - { name: customer, type: primary }
            dimensions:
              - { name: country }
            measures:
              - { name: customer_count, agg: count }
            """);
        _engine = await _project.OpenAsync();
        Assert.All(await _engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None), r => Assert.True(r.Published, r.Error));
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _project.Dispose();
    }

    private async Task<(string AnsweredBy, List<string> Rows)> AskAsync(MetricQuery query)
    {
        var (execution, rows) = await _engine.Semantic.QueryAsync(query, CancellationToken.None);
        await using (execution)
        await using (rows)
            return (execution.AnsweredBy, Answers.Normalize(await TestProject.ReadAllAsync(rows)));
    }

    [Fact]
    public async Task A_new_publication_of_orders_changes_the_cached_revenue_at_once_and_leaves_other_answers_cached()
    {
        var revenue = new MetricQuery { Metrics = ["revenue"] };
        var customers = new MetricQuery { Metrics = ["customer_count"], Dimensions = ["country"] };
        var (first, before) = await AskAsync(revenue);
        Assert.Equal("query", first);
        Assert.Equal("cache", (await AskAsync(revenue)).AnsweredBy);
        var (_, countries) = await AskAsync(customers);
        Assert.Equal("cache", (await AskAsync(customers)).AnsweredBy);

        // A late batch of orders arrives and orders publishes version 2.
        _project.Write("data/orders-late.csv", "order_id,customer_id,status,amount\n9001,1,completed,1000.00\n");
        Assert.All(await _engine.Publisher.MaterializeAsync(["orders"], "test", null, CancellationToken.None), r => Assert.True(r.Published, r.Error));

        var hits = _engine.Semantic.Cache.Hits;
        var (answeredBy, after) = await AskAsync(revenue);
        Assert.Equal("query", answeredBy);
        Assert.Equal(decimal.Parse(before[0], CultureInfo.InvariantCulture) + 1000m, decimal.Parse(after[0], CultureInfo.InvariantCulture));
        Assert.Equal(hits, _engine.Semantic.Cache.Hits);

        // customers did not publish: its answer is still served from the cache.
        var (customersBy, again) = await AskAsync(customers);
        Assert.Equal("cache", customersBy);
        Assert.Equal(countries, again);
        Assert.Equal(hits + 1, _engine.Semantic.Cache.Hits);
    }

    [Fact]
    public async Task Answers_that_read_live_data_are_never_cached()
    {
        _project.Dataset("orders_live", "source: files\ntable: orders.csv\nmaterialization: live\ncolumns:\n  - { name: order_id, type: integer }\n  - { name: amount, type: decimal }\n");
        _project.Write("models/live.yaml", "dataset: orders_live\nmeasures:\n  - { name: live_amount, agg: sum, column: amount }\n");
        await using var engine = await _project.OpenAsync();
        await using var execution = engine.Semantic.Open(engine.Semantic.Plan(new MetricQuery { Metrics = ["live_amount"] }));
        Assert.Null(execution.CacheKey);
        Assert.Null(execution.ETag);
        Assert.Contains("live dataset(s) 'orders_live'", execution.NotCachedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cache_stays_within_its_bound_dropping_the_least_recently_read()
    {
        var cache = new Ladle.Engine.Semantic.MetricCache(maxBytes: 1000, maxEntryBytes: 600);
        var schema = new Results.ResultSchema([new Results.ResultColumn("x", Core.Model.LadleType.Integer)]);
        Ladle.Engine.Semantic.CachedAnswer Answer(long bytes) => new(schema, [], ["d"], bytes, DateTimeOffset.UtcNow);
        cache.Put("a", Answer(400));
        cache.Put("b", Answer(400));
        Assert.NotNull(cache.Get("a"));
        cache.Put("c", Answer(400));
        Assert.Null(cache.Get("b"));
        Assert.NotNull(cache.Get("a"));
        Assert.NotNull(cache.Get("c"));
        cache.Put("huge", Answer(700));
        Assert.Null(cache.Get("huge"));
        Assert.True(cache.Bytes <= 1000);
        Assert.Equal(1, cache.Evictions);
    }
}
