using Ladle.Engine.State;

namespace Ladle.Engine.Tests.State;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task Version_numbers_count_up_from_one_per_dataset_and_start_as_building()
    {
        var first = await Store.BeginVersionAsync("orders", "cli", At(0), None);
        var second = await Store.BeginVersionAsync("orders", "schedule", At(1), None);
        var other = await Store.BeginVersionAsync("customers", "api", At(2), None);
        var third = await Store.BeginVersionAsync("orders", "cascade", At(3), None);
        Assert.Equal([1L, 2L, 1L, 3L], new[] { first, second, other, third }.Select(v => v.Version));
        Assert.Equal(new VersionRecord { Dataset = "orders", Version = 1, Status = VersionStatus.Building, StartedAt = At(0), Trigger = "cli" }, first);
        Assert.Equal(first, (await Store.ListVersionsAsync("orders", 10, None))[^1]);
    }

    [Fact]
    public async Task Version_numbers_are_never_handed_out_twice_by_handles_racing()
    {
        var other = await OpenAnotherAsync();
        var begun = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => (i % 2 == 0 ? Store : other).BeginVersionAsync("orders", "api", At(i), None))));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), begun.Select(v => v.Version).Order());
    }

    [Fact]
    public async Task Numbers_stay_monotonic_past_failed_dropped_and_restored_versions()
    {
        var v1 = await Store.BeginVersionAsync("orders", "cli", At(0), None);
        await Store.FailVersionAsync("orders", v1.Version, "source down", At(1), None);
        Assert.True(await Store.RestoreVersionAsync(Published("orders", 7, At(2)), None));
        Assert.Equal(8, (await Store.BeginVersionAsync("orders", "cli", At(3), None)).Version);
    }

    [Fact]
    public async Task Publishing_records_rows_watermark_and_times()
    {
        var v = await Store.BeginVersionAsync("orders", "cli", At(0), None);
        await Store.PublishVersionAsync("orders", v.Version, 42, "2026-02-28T23:59:00Z", At(5), None);
        var published = Assert.Single(await Store.ListVersionsAsync("orders", 10, None));
        Assert.Equal(v with { Status = VersionStatus.Published, RowCount = 42, Watermark = "2026-02-28T23:59:00Z", PublishedAt = At(5), FinishedAt = At(5) }, published);
    }

    [Fact]
    public async Task Failing_quarantining_and_interrupting_record_why_and_when()
    {
        var failed = await Store.BeginVersionAsync("orders", "cli", At(0), None);
        var quarantined = await Store.BeginVersionAsync("orders", "cli", At(1), None);
        var interrupted = await Store.BeginVersionAsync("orders", "cli", At(2), None);
        await Store.FailVersionAsync("orders", failed.Version, "no such table", At(3), None);
        await Store.QuarantineVersionAsync("orders", quarantined.Version, 17, "unique_id failed", At(4), None);
        await Store.InterruptVersionAsync("orders", interrupted.Version, "interrupted: Ladle stopped", At(5), None);
        var byNumber = (await Store.ListVersionsAsync("orders", 10, None)).ToDictionary(v => v.Version);
        Assert.Equal(failed with { Status = VersionStatus.Failed, Error = "no such table", FinishedAt = At(3) }, byNumber[failed.Version]);
        Assert.Equal(quarantined with { Status = VersionStatus.Quarantined, RowCount = 17, Error = "unique_id failed", FinishedAt = At(4) }, byNumber[quarantined.Version]);
        Assert.Equal(interrupted with { Status = VersionStatus.Interrupted, Error = "interrupted: Ladle stopped", FinishedAt = At(5) }, byNumber[interrupted.Version]);
        Assert.Equal([quarantined.Version], (await Store.ListQuarantinedAsync(None)).Select(v => v.Version));
        Assert.Empty(await Store.ListPublishedAsync(None));
    }

    [Fact]
    public async Task Only_published_or_quarantined_versions_can_be_dropped()
    {
        var statuses = new[] { VersionStatus.Published, VersionStatus.Quarantined, VersionStatus.Failed, VersionStatus.Building, VersionStatus.Interrupted };
        for (var i = 0; i < statuses.Length; i++)
        {
            var v = await Store.BeginVersionAsync("orders", "cli", At(i), None);
            switch (statuses[i])
            {
                case VersionStatus.Published: await Store.PublishVersionAsync("orders", v.Version, 1, null, At(i), None); break;
                case VersionStatus.Quarantined: await Store.QuarantineVersionAsync("orders", v.Version, 1, "bad", At(i), None); break;
                case VersionStatus.Failed: await Store.FailVersionAsync("orders", v.Version, "down", At(i), None); break;
                case VersionStatus.Interrupted: await Store.InterruptVersionAsync("orders", v.Version, "stopped", At(i), None); break;
            }
        }
        for (var version = 1L; version <= statuses.Length; version++) await Store.MarkDroppedAsync("orders", version, None);
        Assert.Equal([VersionStatus.Dropped, VersionStatus.Dropped, VersionStatus.Failed, VersionStatus.Building, VersionStatus.Interrupted],
            (await Store.ListAllVersionsAsync(None)).Select(v => v.Status));
    }

    [Fact]
    public async Task Versions_list_newest_first_up_to_the_limit()
    {
        for (var i = 0; i < 5; i++) await Store.BeginVersionAsync("orders", "cli", At(i), None);
        await Store.BeginVersionAsync("customers", "cli", At(9), None);
        Assert.Equal([5L, 4L, 3L], (await Store.ListVersionsAsync("orders", 3, None)).Select(v => v.Version));
        Assert.Empty(await Store.ListVersionsAsync("nothing", 3, None));
    }

    [Fact]
    public async Task Published_versions_list_by_dataset_newest_first_and_all_versions_by_dataset_then_number()
    {
        foreach (var dataset in new[] { "orders", "customers", "orders", "customers", "orders" })
        {
            var v = await Store.BeginVersionAsync(dataset, "cli", At(0), None);
            await Store.PublishVersionAsync(dataset, v.Version, 1, null, At(1), None);
        }
        await Store.BeginVersionAsync("customers", "cli", At(2), None);
        await Store.MarkDroppedAsync("orders", 1, None);
        Assert.Equal([("customers", 2L), ("customers", 1L), ("orders", 3L), ("orders", 2L)],
            (await Store.ListPublishedAsync(None)).Select(v => (v.Dataset, v.Version)));
        Assert.Equal([("customers", 1L), ("customers", 2L), ("customers", 3L), ("orders", 1L), ("orders", 2L), ("orders", 3L)],
            (await Store.ListAllVersionsAsync(None)).Select(v => (v.Dataset, v.Version)));
    }

    [Fact]
    public async Task Versions_left_building_are_marked_interrupted_and_counted()
    {
        var done = await Store.BeginVersionAsync("orders", "cli", At(0), None);
        await Store.PublishVersionAsync("orders", done.Version, 1, null, At(1), None);
        await Store.BeginVersionAsync("orders", "schedule", At(2), None);
        await Store.BeginVersionAsync("customers", "cli", At(3), None);
        Assert.Equal(2, await Store.FailInterruptedAsync("interrupted: the process stopped", At(4), None));
        var all = await Store.ListAllVersionsAsync(None);
        Assert.Equal([VersionStatus.Interrupted, VersionStatus.Published, VersionStatus.Interrupted], all.Select(v => v.Status));
        Assert.All(all.Where(v => v.Status == VersionStatus.Interrupted), v => Assert.Equal(("interrupted: the process stopped", At(4)), (v.Error, v.FinishedAt)));
        Assert.Equal(0, await Store.FailInterruptedAsync("again", At(5), None));
    }

    [Fact]
    public async Task Restoring_adds_what_is_missing_and_finishes_what_is_building_but_never_rewrites_a_finished_version()
    {
        var restored = Published("orders", 3, At(10)) with { Trigger = "schedule" };
        Assert.True(await Store.RestoreVersionAsync(restored, None));
        Assert.Equal(restored, Assert.Single(await Store.ListVersionsAsync("orders", 10, None)));
        Assert.False(await Store.RestoreVersionAsync(restored, None));
        Assert.False(await Store.RestoreVersionAsync(restored with { Status = VersionStatus.Failed, Error = "other" }, None));
        Assert.Equal(restored, Assert.Single(await Store.ListVersionsAsync("orders", 10, None)));

        var building = await Store.BeginVersionAsync("orders", "cli", At(20), None);
        Assert.False(await Store.RestoreVersionAsync(building with { StartedAt = At(21) }, None));
        var finished = Published("orders", building.Version, At(30));
        Assert.True(await Store.RestoreVersionAsync(finished, None));
        // The restored outcome is taken; when it started and why stay as the state recorded them.
        Assert.Equal(finished with { StartedAt = building.StartedAt, Trigger = building.Trigger }, (await Store.ListVersionsAsync("orders", 1, None))[0]);
    }

    private static VersionRecord Published(string dataset, long version, DateTimeOffset at) => new()
    {
        Dataset = dataset, Version = version, Status = VersionStatus.Published, StartedAt = at.AddSeconds(-1), FinishedAt = at, PublishedAt = at,
        RowCount = 10, Watermark = "w", Trigger = "recover",
    };
}
