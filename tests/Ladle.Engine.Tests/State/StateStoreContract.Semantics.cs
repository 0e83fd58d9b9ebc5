using System.Data.Common;
using Ladle.Engine.State;

namespace Ladle.Engine.Tests.State;

/// <summary>Where backends could differ on their own (time precision, text order, conflicts, empty text): the contract says.</summary>
public abstract partial class StateStoreContract
{
    [Fact]
    public async Task Times_are_kept_to_the_microsecond_truncated()
    {
        // 1234567 ticks past the second: 123456.7 microseconds.
        var precise = Clock.GetUtcNow().AddTicks(1_234_567);
        var kept = Clock.GetUtcNow().AddTicks(1_234_560);
        var begun = await Store.BeginVersionAsync("orders", "cli", precise, None);
        Assert.Equal(kept, begun.StartedAt);
        Assert.Equal(kept, (await Store.ListVersionsAsync("orders", 1, None))[0].StartedAt);
        await Store.AddTokenAsync(Token("aaa", precise), None);
        Assert.Equal(kept, (await Store.FindTokenAsync("aaa", None))!.CreatedAt);
        await Store.AppendAuditAsync([Entry("alice", "orders", precise)], None);
        Assert.Equal(kept, (await Store.QueryAuditAsync(new AuditQuery(), None))[0].At);
        // The same truncation applies to times compared with: 'since' a tick later than a kept time still finds it.
        Assert.Single(await Store.QueryAuditAsync(new AuditQuery(Since: kept.AddTicks(5)), None));
    }

    [Fact]
    public async Task Text_sorts_by_code_point_as_ordinal_comparison_does()
    {
        string[] keys = ["b", "B", "a", "Z", "é", "e", "10", "9", "_x"];
        await Store.PlanSyncRowsAsync("crm", keys.Select(k => Row(k, "h" + k)).ToList(), None);
        await Store.AcknowledgeSyncRowsAsync("crm", keys.Select(k => Row(k, "h" + k)).ToList(), At(0), None);
        var ordinal = keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ordinal, (await ToListAsync(Store.ReadAcknowledgedAsync("crm", None))).Select(a => a.Key));

        foreach (var dataset in new[] { "orders", "Orders", "customers", "_staging" }) await Store.BeginVersionAsync(dataset, "cli", At(0), None);
        Assert.Equal(new[] { "Orders", "_staging", "customers", "orders" }, (await Store.ListAllVersionsAsync(None)).Select(v => v.Dataset));
    }

    [Fact]
    public async Task A_token_id_added_twice_is_refused_and_the_first_kept()
    {
        await Store.AddTokenAsync(Token("aaa", At(0)), None);
        await Assert.ThrowsAnyAsync<DbException>(() => Store.AddTokenAsync(Token("aaa", At(5)) with { Principal = "intruder" }, None));
        Assert.Equal("analyst", (await Store.FindTokenAsync("aaa", None))!.Principal);
    }

    [Fact]
    public async Task Empty_text_stays_empty_and_missing_text_stays_null()
    {
        var entry = Entry("alice", "orders", At(0)) with { Filters = "", Format = "", Version = null, Subject = null };
        await Store.AppendAuditAsync([entry], None);
        Assert.Equal(entry, Assert.Single(await Store.QueryAuditAsync(new AuditQuery(), None)));
        var v = await Store.BeginVersionAsync("orders", "", At(0), None);
        await Store.PublishVersionAsync("orders", v.Version, 0, "", At(1), None);
        var published = Assert.Single(await Store.ListVersionsAsync("orders", 1, None));
        Assert.Equal(("", "", (string?)null), (published.Trigger, published.Watermark, published.Error));
    }

    [Fact]
    public async Task A_version_being_built_under_a_live_run_lease_is_not_taken_for_interrupted()
    {
        var building = await Store.BeginVersionAsync("orders", "schedule", At(0), None);
        var lease = (await Store.TryAcquireRunLeaseAsync("orders", "node-a", Minute, None))!;
        var orphan = await Store.BeginVersionAsync("customers", "schedule", At(0), None);

        // Another node starting up: the customers build died with its process, the orders build is still leased.
        var other = await OpenAnotherAsync();
        Assert.Equal(1, await other.FailInterruptedAsync("interrupted", At(1), None));
        Assert.Equal(VersionStatus.Building, (await Store.ListVersionsAsync("orders", 1, None))[0].Status);
        Assert.Equal(VersionStatus.Interrupted, (await Store.ListVersionsAsync("customers", 1, None))[0].Status);

        // Once its holder stops renewing, the lease expires and the version is owed like any other.
        Clock.Advance(Minute);
        Assert.Equal(1, await other.FailInterruptedAsync("interrupted", At(1), None));
        Assert.Equal(VersionStatus.Interrupted, (await Store.ListVersionsAsync("orders", 1, None))[0].Status);
        Assert.Equal((building.Version, orphan.Version), (1L, 1L));
        Assert.Null(await Store.RenewRunLeaseAsync(lease, Minute, None));
    }
}
