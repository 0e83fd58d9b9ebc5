using Ladle.Engine.State;

namespace Ladle.Engine.Tests.State;

public abstract partial class StateStoreContract
{
    private static SyncRowEntry Row(string key, string hash, SyncOperation operation = SyncOperation.Create, long run = 1) =>
        new(key, operation, hash, SyncRowStatus.Planned, run, "idem-" + key + hash);

    [Fact]
    public async Task A_synced_key_moves_only_on_acknowledgement_and_a_rejected_row_stays_owed_with_its_reason()
    {
        await Store.PlanSyncRowsAsync("crm", [Row("1", "h1"), Row("2", "h2"), Row("3", "h3")], None);
        await Store.MarkSyncRowsSentAsync("crm", "b1", ["1", "2", "3"], At(0), None);
        Assert.Empty(await ToListAsync(Store.ReadAcknowledgedAsync("crm", None)));
        Assert.Equal(3, (await Store.ListSyncRowsAsync("crm", SyncRowStatus.Sent, 10, None)).Count);

        var other = await OpenAnotherAsync();
        await other.AcknowledgeSyncRowsAsync("crm", [Row("1", "h1"), Row("3", "h3")], At(1), None);
        await other.RejectSyncRowsAsync("crm", [("2", "invalid email")], At(1), None);

        Assert.Equal([("1", "h1"), ("3", "h3")], await ToListAsync(Store.ReadAcknowledgedAsync("crm", None)));
        var owed = Assert.Single(await Store.ListSyncRowsAsync("crm", null, 10, None));
        Assert.Equal(("2", SyncRowStatus.Rejected, "invalid email", "b1"), (owed.Key, owed.Status, owed.Reason, owed.BatchId));
        Assert.Equal(2, await Store.CountAcknowledgedAsync("crm", None));
        Assert.Equal(0, await Store.CountAcknowledgedAsync("other", None));
    }

    [Fact]
    public async Task A_batch_in_flight_is_acknowledged_or_left_owed_as_its_rows_would_be_and_a_stopped_runs_batches_unpack_into_owed_rows()
    {
        await Store.PlanSyncRowsAsync("crm", [Row("9", "h9-old", SyncOperation.Update)], None);
        await Store.RejectSyncRowsAsync("crm", [("9", "too old")], At(0), None);
        var generation = await Store.ReadAcknowledgedGenerationAsync("crm", None);

        // Newer data of key 9 replaces its owed entry; the destination takes 1 and 9 and refuses 2.
        await Store.PlanSyncBatchAsync("crm", "b1", [Row("1", "h1"), Row("2", "h2"), Row("9", "h9", SyncOperation.Update)], None);
        await Store.MarkSyncBatchSentAsync("crm", "b1", ["1", "2", "9"], At(1), None);
        await Store.AcknowledgeSyncBatchAsync("crm", "b1", [Row("1", "h1"), Row("9", "h9", SyncOperation.Update)],
            [Row("2", "h2") with { Reason = "invalid email" }], At(2), None);
        Assert.Equal([("1", "h1"), ("9", "h9")], await ToListAsync(Store.ReadAcknowledgedAsync("crm", None)));
        Assert.NotEqual(generation, await Store.ReadAcknowledgedGenerationAsync("crm", None));
        var owed = Assert.Single(await Store.ListSyncRowsAsync("crm", null, 10, None));
        Assert.Equal(("2", SyncRowStatus.Rejected, "invalid email", "b1", "h2"), (owed.Key, owed.Status, owed.Reason, owed.BatchId, owed.Hash));

        // A run stopped with one batch sent and one planned: both become owed rows of their status, to be settled.
        await Store.PlanSyncBatchAsync("crm", "b2", [Row("3", "h3")], None);
        await Store.MarkSyncBatchSentAsync("crm", "b2", ["3"], At(3), None);
        await Store.PlanSyncBatchAsync("crm", "b3", [Row("4", "h4", run: 2)], None);
        await Store.UnpackSyncBatchesAsync("crm", None);
        var rows = await Store.ListSyncRowsAsync("crm", null, 10, None);
        Assert.Equal([("2", SyncRowStatus.Rejected), ("3", SyncRowStatus.Sent), ("4", SyncRowStatus.Planned)], rows.Select(r => (r.Key, r.Status)));
        Assert.Equal(("b2", "idem-3h3"), (rows[1].BatchId, rows[1].IdempotencyKey));
        Assert.Equal((2L, (string?)null), (rows[2].RunId, rows[2].BatchId));
        await Store.UnpackSyncBatchesAsync("crm", None);
        Assert.Equal(3, (await Store.ListSyncRowsAsync("crm", null, 10, None)).Count);
    }

    [Fact]
    public async Task Batches_acknowledged_run_after_run_read_as_the_latest_hash_per_key_before_and_after_compaction()
    {
        async Task DeliverAsync(string batch, SyncRowEntry[] rows, string[] refused, int at)
        {
            await Store.PlanSyncBatchAsync("crm", batch, rows, None);
            await Store.MarkSyncBatchSentAsync("crm", batch, rows.Select(r => r.Key).ToList(), At(at), None);
            await Store.AcknowledgeSyncBatchAsync("crm", batch, rows.Where(r => !refused.Contains(r.Key)).ToList(),
                rows.Where(r => refused.Contains(r.Key)).Select(r => r with { Reason = "refused" }).ToList(), At(at), None);
        }

        await DeliverAsync("r1", [Row("1", "h1"), Row("2", "h2"), Row("3", "h3"), Row("4", "h4")], ["4"], 1);
        await DeliverAsync("r2", [Row("1", "h1b", SyncOperation.Update), Row("2", "h2b", SyncOperation.Update)], ["2"], 2);
        // A key acknowledged row by row after the batches: the later acknowledgement wins either way.
        await Store.AcknowledgeSyncRowsAsync("crm", [Row("3", "h3c", SyncOperation.Update)], At(3), None);
        await DeliverAsync("r3", [Row("1", "h1", SyncOperation.Delete), Row("5", "h5")], [], 4);
        await DeliverAsync("r4", [Row("2", "h2", SyncOperation.Delete)], ["2"], 5);

        (string, string)[] expected = [("2", "h2"), ("3", "h3c"), ("5", "h5")];
        Assert.Equal(expected, await ToListAsync(Store.ReadAcknowledgedAsync("crm", None)));
        Assert.Equal(3, await Store.CountAcknowledgedAsync("crm", None));
        var generation = await Store.ReadAcknowledgedGenerationAsync("crm", None);
        await Store.CompactSyncLedgerAsync("crm", None);
        Assert.Equal(expected, await ToListAsync(Store.ReadAcknowledgedAsync("crm", None)));
        Assert.Equal(generation, await Store.ReadAcknowledgedGenerationAsync("crm", None));
        Assert.Equal([("2", "refused"), ("4", "refused")], (await Store.ListSyncRowsAsync("crm", SyncRowStatus.Rejected, 10, None)).Select(r => (r.Key, r.Reason)));

        // A store opened afterwards (another process) reads the same, before compacting anything itself.
        await DeliverAsync("r5", [Row("6", "h6")], [], 6);
        var other = await OpenAnotherAsync();
        Assert.Equal([.. expected, ("6", "h6")], await ToListAsync(other.ReadAcknowledgedAsync("crm", None)));
    }

    [Fact]
    public async Task An_acknowledged_delete_forgets_the_key_and_newer_data_replaces_an_owed_row()
    {
        await Store.PlanSyncRowsAsync("crm", [Row("1", "h1"), Row("2", "h2")], None);
        await Store.AcknowledgeSyncRowsAsync("crm", [Row("1", "h1"), Row("2", "h2")], At(0), None);
        await Store.AcknowledgeSyncRowsAsync("crm", [Row("1", "h1", SyncOperation.Delete)], At(1), None);
        Assert.Equal([("2", "h2")], await ToListAsync(Store.ReadAcknowledgedAsync("crm", None)));

        await Store.PlanSyncRowsAsync("crm", [Row("2", "h2b", SyncOperation.Update)], None);
        await Store.RejectSyncRowsAsync("crm", [("2", "bad")], At(2), None);
        await Store.PlanSyncRowsAsync("crm", [Row("2", "h2c", SyncOperation.Update, run: 2)], None);
        var owed = Assert.Single(await Store.ListSyncRowsAsync("crm", null, 10, None));
        Assert.Equal(("h2c", SyncRowStatus.Planned, 2L, (string?)null), (owed.Hash, owed.Status, owed.RunId, owed.Reason));
        // An acknowledgement of the older change leaves the newer one owed.
        await Store.AcknowledgeSyncRowsAsync("crm", [Row("2", "h2b", SyncOperation.Update)], At(3), None);
        Assert.Single(await Store.ListSyncRowsAsync("crm", SyncRowStatus.Planned, 10, None));
    }

    [Fact]
    public async Task Sent_rows_return_to_planned_and_sync_runs_list_newest_first_with_their_counts()
    {
        await Store.PlanSyncRowsAsync("crm", [Row("1", "h1")], None);
        await Store.MarkSyncRowsSentAsync("crm", "b1", ["1"], At(0), None);
        await Store.ReturnSyncRowsAsync("crm", ["1"], None);
        Assert.Equal(SyncRowStatus.Planned, Assert.Single(await Store.ListSyncRowsAsync("crm", null, 10, None)).Status);

        var first = await Store.BeginSyncRunAsync(new SyncRunRecord { Sync = "crm", Trigger = "cli", StartedAt = At(0), Status = "running" }, None);
        var second = await Store.BeginSyncRunAsync(new SyncRunRecord { Sync = "crm", Trigger = "api", StartedAt = At(5), Status = "running" }, None);
        Assert.True(second > first);
        var finished = new SyncRunRecord
        {
            Id = first, Sync = "crm", Trigger = "cli", StartedAt = At(0), FinishedAt = At(3), Status = "partial", SourceVersion = 4,
            Creates = 3, Updates = 2, Deletes = 1, Unchanged = 10, Refused = 1, Owed = 1, Sent = 6, Acknowledged = 5, Rejected = 1, Error = "1 rejected",
        };
        await Store.UpdateSyncRunAsync(finished, None);
        var runs = await Store.ListSyncRunsAsync("crm", 10, None);
        Assert.Equal([second, first], runs.Select(r => r.Id));
        Assert.Equal(finished, runs[1]);
    }

    [Fact]
    public async Task The_acknowledged_generation_moves_with_every_acknowledgement_and_nothing_else()
    {
        var start = await Store.ReadAcknowledgedGenerationAsync("crm", None);
        Assert.NotNull(start);
        await Store.PlanSyncRowsAsync("crm", [Row("1", "h1")], None);
        await Store.MarkSyncRowsSentAsync("crm", "b1", ["1"], At(0), None);
        await Store.RejectSyncRowsAsync("crm", [("1", "bad")], At(0), None);
        Assert.Equal(start, await Store.ReadAcknowledgedGenerationAsync("crm", None));
        await Store.AcknowledgeSyncRowsAsync("crm", [Row("1", "h1")], At(1), None);
        var after = await Store.ReadAcknowledgedGenerationAsync("crm", None);
        Assert.NotEqual(start, after);
        await Store.AcknowledgeSyncRowsAsync("crm", [Row("1", "h1", SyncOperation.Delete)], At(2), None);
        Assert.NotEqual(after, await Store.ReadAcknowledgedGenerationAsync("crm", None));
        Assert.Equal(start, await Store.ReadAcknowledgedGenerationAsync("other", None));
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }
}
