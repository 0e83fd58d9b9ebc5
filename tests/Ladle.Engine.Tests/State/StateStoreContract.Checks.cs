using Ladle.Core.Model;
using Ladle.Engine.Checks;
using Ladle.Engine.State;

namespace Ladle.Engine.Tests.State;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task Check_results_keep_every_field_and_list_newest_first_per_dataset_and_version()
    {
        var full = Result("orders", 1, "unique_id", At(0), observed: 3) with
        {
            Kind = CheckKind.AcceptedValues, Severity = CheckSeverity.Warn, Outcome = CheckOutcome.Failed, FailingRows = 3, TotalRows = 100,
            Message = "3 rows are not unique", Sample = """[{"id":1}]""", Duration = TimeSpan.FromMilliseconds(250),
        };
        await Store.RecordCheckResultsAsync([full, Result("orders", 1, "not_null", At(1))], None);
        await Store.RecordCheckResultsAsync([Result("orders", 2, "unique_id", At(2)), Result("customers", 1, "unique_id", At(3))], None);
        await Store.RecordCheckResultsAsync([Result("orders", null, "live", At(4))], None);

        Assert.Equal(["live", "unique_id", "not_null", "unique_id"], (await Store.ListCheckResultsAsync("orders", null, 10, None)).Select(r => r.Check));
        var ofVersion1 = await Store.ListCheckResultsAsync("orders", 1, 10, None);
        Assert.Equal([("not_null", 1L), ("unique_id", 1L)], ofVersion1.Select(r => (r.Check, r.Version!.Value)));
        Assert.Equal(full, ofVersion1[1]);
        Assert.Null((await Store.ListCheckResultsAsync("orders", null, 1, None))[0].Version);
        Assert.Equal(2, (await Store.ListCheckResultsAsync("orders", null, 2, None)).Count);
    }

    [Fact]
    public async Task Results_recorded_at_the_same_moment_list_the_later_recorded_first()
    {
        await Store.RecordCheckResultsAsync([Result("orders", 1, "first", At(0)), Result("orders", 1, "second", At(0))], None);
        await Store.RecordCheckResultsAsync([Result("orders", 1, "third", At(0))], None);
        Assert.Equal(["third", "second", "first"], (await Store.ListCheckResultsAsync("orders", 1, 10, None)).Select(r => r.Check));
    }

    [Fact]
    public async Task Recording_no_results_changes_nothing()
    {
        await Store.RecordCheckResultsAsync([], None);
        Assert.Empty(await Store.ListCheckResultsAsync("orders", null, 10, None));
    }

    [Fact]
    public async Task Check_history_has_one_value_per_accepted_version_before_the_one_checked_newest_first()
    {
        // v1 published then dropped, v2 quarantined, v3 published and checked twice, v4 failed, v5 building.
        for (var i = 1; i <= 5; i++) await Store.BeginVersionAsync("orders", "cli", At(i), None);
        await Store.PublishVersionAsync("orders", 1, 1, null, At(10), None);
        await Store.MarkDroppedAsync("orders", 1, None);
        await Store.QuarantineVersionAsync("orders", 2, 1, "bad", At(11), None);
        await Store.PublishVersionAsync("orders", 3, 1, null, At(12), None);
        await Store.FailVersionAsync("orders", 4, "down", At(13), None);
        await Store.RecordCheckResultsAsync(
        [
            Result("orders", 1, "rows", At(20), observed: 100),
            Result("orders", 2, "rows", At(21), observed: 5),
            Result("orders", 3, "rows", At(22), observed: 110),
            Result("orders", 3, "rows", At(23), observed: 120),
            Result("orders", 3, "other", At(23), observed: 9),
            Result("orders", 3, "rows", At(21), observed: 1),
            Result("orders", 4, "rows", At(24), observed: 7),
            Result("orders", 5, "rows", At(25), observed: 8),
            Result("customers", 3, "rows", At(26), observed: 6),
        ], None);
        await Store.RecordCheckResultsAsync([Result("orders", 3, "rows", At(30), observed: null)], None);

        Assert.Equal([120.0, 100.0], await Store.CheckHistoryAsync("orders", "rows", null, 10, None));
        Assert.Equal([100.0], await Store.CheckHistoryAsync("orders", "rows", 3, 10, None));
        Assert.Equal([120.0], await Store.CheckHistoryAsync("orders", "rows", 5, 1, None));
        Assert.Empty(await Store.CheckHistoryAsync("orders", "rows", 1, 10, None));
        Assert.Empty(await Store.CheckHistoryAsync("orders", "missing", null, 10, None));
    }

    private static CheckResult Result(string dataset, long? version, string check, DateTimeOffset at, double? observed = null) => new()
    {
        Dataset = dataset, Version = version, Check = check, Kind = CheckKind.RowCount, Severity = CheckSeverity.Error, Outcome = CheckOutcome.Passed,
        FailingRows = 0, TotalRows = 10, Observed = observed, Message = "ok", RanAt = at, Duration = TimeSpan.FromMilliseconds(5),
    };
}
