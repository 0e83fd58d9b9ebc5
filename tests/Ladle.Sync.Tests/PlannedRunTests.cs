using System.Text.Json;
using Ladle.Engine.State;

namespace Ladle.Syncs.Tests;

/// <summary>Plan, then apply: a plan has an id, shows before and after, and a run given that id applies exactly it or nothing.</summary>
public sealed class PlannedRunTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly SyncProject _project = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _project.Environment["HOOK_URL"] = _receiver.Url.ToString();
    }

    public async Task DisposeAsync()
    {
        await _project.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private const string Hook = """
        source: { dataset: customers }
        principal: crm_sync
        destination: { kind: webhook, url_env: HOOK_URL }
        key: { source: id, destination: external_id }
        fields:
          - email
          - { source: score, destination: churn_risk, type: double }
        mode: mirror
        thresholds: { max_delete_share: 50% }
        batch_size: 7
        """;

    [Fact]
    public async Task A_run_given_the_plan_id_sends_exactly_the_rows_the_plan_showed_and_the_next_plan_shows_before_and_after()
    {
        _project.Customers(SyncProject.Range(1, 20)).Sync("crm", Hook);
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
        var plan = await _project.Service.PlanAsync("crm", None);
        Assert.Equal(plan.Id, (await _project.Service.PlanAsync("crm", None)).Id);
        Assert.StartsWith("1-", plan.Id, StringComparison.Ordinal);

        var run = await _project.Service.RunAsync("crm", "test", plan.Id, None);
        Assert.Equal("succeeded", run.Status);
        Assert.Equal(plan.Counts.Creates, run.Acknowledged);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(),
            _receiver.Accepted.Select(a => a.Key).Order());

        // Key 3 changes, key 20 leaves: the plan shows what the destination holds (before) and what it will (after).
        _project.Customers(SyncProject.Range(1, 19, score: i => i == 3 ? "77" : (i % 100).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(await _project.PublishAsync());
        var next = await _project.Service.PlanAsync("crm", None);
        Assert.Equal((1L, 1L, 18L), (next.Counts.Updates, next.Counts.Deletes, next.Counts.Unchanged));
        var update = Assert.Single(next.Samples, x => x.Kind == "update");
        Assert.Equal("3", update.Key);
        Assert.Equal(3.0, JsonDocument.Parse(update.Before!).RootElement.GetProperty("churn_risk").GetDouble());
        Assert.Equal(77.0, JsonDocument.Parse(update.After!).RootElement.GetProperty("churn_risk").GetDouble());
        var delete = Assert.Single(next.Samples, x => x.Kind == "delete");
        Assert.Equal("20", delete.Key);
        Assert.Equal("c20@example.com", JsonDocument.Parse(delete.Before!).RootElement.GetProperty("email").GetString());
        Assert.Null(delete.After);
    }

    [Fact]
    public async Task A_run_of_a_plan_made_before_the_principal_lost_its_grant_is_refused_and_sends_nothing()
    {
        _project.Customers(SyncProject.Range(1, 10)).Sync("crm", Hook);
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
        var plan = await _project.Service.PlanAsync("crm", None);
        Assert.Equal(10, plan.Counts.Creates);

        // The grant is revoked between plan and apply: the run reads as its principal again, under the access it has now.
        _project.Write("access.yaml", """
            roles:
              syncer:
                pii: true
                grants:
                  - { actions: [read], domains: [crm] }
            principals:
              crm_sync: { kind: service, roles: [syncer] }
              crm_masked: { kind: service, roles: [syncer] }
            """);
        await _project.ReopenAsync();
        var run = await _project.Service.RunAsync("crm", "test", plan.Id, None);
        Assert.Equal("failed", run.Status);
        Assert.Contains("principal 'crm_sync' may not export dataset 'customers'", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, run.Sent);
        Assert.Empty(_receiver.Accepted);
        Assert.Empty(await _project.Engine.State.ListSyncRowsAsync("crm", null, 100, None));
    }

    [Fact]
    public async Task A_plan_whose_source_moved_is_refused_and_nothing_is_sent()
    {
        _project.Customers(SyncProject.Range(1, 10)).Sync("crm", Hook);
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
        var plan = await _project.Service.PlanAsync("crm", None);
        _project.Customers(SyncProject.Range(1, 11));
        Assert.True(await _project.PublishAsync());

        var refused = await Assert.ThrowsAsync<SyncPlanMovedException>(() => _project.Service.RunAsync("crm", "test", plan.Id, None));
        Assert.Contains("the source moved from version 1 to 2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(11, refused.Current.Counts.Creates);
        Assert.Empty(_receiver.Requests);
        Assert.Empty(await _project.Engine.State.ListSyncRowsAsync("crm", null, 100, None));
    }

    [Fact]
    public async Task A_ledger_write_the_store_copy_did_not_see_is_read_by_the_next_plan()
    {
        _project.Customers(SyncProject.Range(1, 10)).Sync("crm", Hook);
        await _project.OpenAsync();
        Assert.True(await _project.PublishAsync());
        Assert.Equal("succeeded", (await _project.Service.RunAsync("crm", "test", None)).Status);
        var settled = await _project.Service.PlanAsync("crm", None);
        Assert.Equal(10, settled.Counts.Unchanged);

        // Another writer of the ledger (a process killed after acknowledging, before its copy was kept): key 4 now holds other data.
        await _project.Engine.State.AcknowledgeSyncRowsAsync("crm",
            [new SyncRowEntry("4", SyncOperation.Update, "0123456789abcdef0123456789abcdef", SyncRowStatus.Sent, 99, "x")], DateTimeOffset.UtcNow, None);
        var plan = await _project.Service.PlanAsync("crm", None);
        Assert.Equal((1L, 9L), (plan.Counts.Updates, plan.Counts.Unchanged));
        var update = Assert.Single(plan.Samples, x => x.Kind == "update");
        Assert.Equal(("4", "0123456789abcdef0123456789abcdef"), (update.Key, update.BeforeHash));
        // Its fields are unknown (only their hash is in the ledger): before is not made up.
        Assert.Null(update.Before);
        Assert.NotEqual(settled.Id, plan.Id);
    }
}
