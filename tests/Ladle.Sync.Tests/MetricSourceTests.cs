
namespace Ladle.Syncs.Tests;

/// <summary>A sync whose source is a metric query: read through the semantic layer as its principal, like a REST metric query, then diffed and delivered.</summary>
public sealed class MetricSourceTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly SyncProject _project = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _project.Environment["HOOK_URL"] = _receiver.Url.ToString();
        _project.Write("models/customers.yaml", """
            dataset: customers
            dimensions:
              - { name: tier }
            measures:
              - { name: customer_count, agg: count }
            metrics:
              - { name: customers_per_tier, measure: customer_count }
            """);
    }

    public async Task DisposeAsync()
    {
        await _project.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private static string Sync(string principal) => $"""
        source: {"{"} metrics: [customers_per_tier], by: [tier] {"}"}
        principal: {principal}
        destination: {"{"} kind: webhook, url_env: HOOK_URL {"}"}
        key: {"{"} source: tier, destination: segment {"}"}
        fields:
          - {"{"} source: customers_per_tier, destination: customers, type: integer {"}"}
        """;

    private static IEnumerable<(long? Id, string Email, string Score, string Tier)> Tiers(int gold, int silver) =>
        SyncProject.Range(1, gold, "gold").Concat(SyncProject.Range(gold + 1, gold + silver, "silver"));

    [Fact]
    public async Task A_metric_query_source_sends_one_record_per_group_and_then_only_the_groups_whose_value_changed()
    {
        _project.Customers(Tiers(gold: 3, silver: 5)).Sync("tiers", Sync("crm_sync"));
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());

        var plan = await _project.Service.PlanAsync("tiers", None);
        Assert.Equal((2L, 2L), (plan.Counts.SourceRows, plan.Counts.Creates));
        Assert.Equal("metrics", plan.Dataset);
        var run = await _project.Service.RunAsync("tiers", "test", plan.Id, None);
        Assert.Equal(("succeeded", 2L), (run.Status, run.Acknowledged));
        var sent = _receiver.Accepted.ToDictionary(a => a.Key, a => a.Fields!.Value.GetProperty("customers").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["gold"] = 3, ["silver"] = 5 }, sent);

        Assert.Equal(0, (await _project.Service.RunAsync("tiers", "test", None)).Sent);

        // Two customers move from silver to gold, and a bronze one arrives: gold and silver change, bronze is new.
        _project.Customers(Tiers(gold: 5, silver: 3).Append((99, "c99@example.com", "1", "bronze")));
        Assert.True(await _project.PublishAsync());
        var next = await _project.Service.PlanAsync("tiers", None);
        Assert.Equal((1L, 2L, 0L), (next.Counts.Creates, next.Counts.Updates, next.Counts.Unchanged));
        var update = Assert.Single(next.Samples, s => s.Kind == "update" && s.Key == "gold");
        Assert.Contains("\"customers\":3", update.Before, StringComparison.Ordinal);
        Assert.Contains("\"customers\":5", update.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_principal_that_may_not_read_the_metric_syncs_nothing()
    {
        _project.Write("access.yaml", """
            roles:
              syncer:
                pii: true
                grants:
                  - { actions: [read, export], domains: [crm] }
              embedder:
                grants:
                  - { actions: [embed], domains: [crm] }
            principals:
              crm_sync: { kind: service, roles: [syncer] }
              outsider: { kind: service, roles: [embedder] }
            """);
        _project.Customers(Tiers(gold: 3, silver: 5)).Sync("tiers", Sync("outsider"));
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());

        var refused = await Assert.ThrowsAnyAsync<Core.Errors.LadleException>(() => _project.Service.PlanAsync("tiers", None));
        Assert.Contains("principal 'outsider' may not", refused.Message, StringComparison.Ordinal);
        var run = await _project.Service.RunAsync("tiers", "test", None);
        Assert.Equal("failed", run.Status);
        Assert.Empty(_receiver.Requests);
    }
}
