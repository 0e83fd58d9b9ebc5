using Ladle.Engine.State;

namespace Ladle.Engine.Tests.State;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task Audit_entries_keep_every_field_and_come_back_newest_first()
    {
        var full = Entry("alice", "orders", At(0)) with { Format = "parquet", Version = "orders@3", Subject = "tenant-7", Filters = "region=eu" };
        var bare = Entry("bob", "customers", At(1));
        await Store.AppendAuditAsync([full, bare], None);
        await Store.AppendAuditAsync([Entry("alice", "customers", At(1))], None);
        var all = await Store.QueryAuditAsync(new AuditQuery(), None);
        // Entries of the same moment come back in the reverse of the order they were written.
        Assert.Equal([("alice", "customers"), ("bob", "customers"), ("alice", "orders")], all.Select(e => (e.Principal, e.Target)));
        Assert.Equal(full, all[2]);
        Assert.Equal(bare, all[1]);
    }

    [Fact]
    public async Task Audit_queries_filter_by_principal_target_and_time_and_stop_at_the_limit()
    {
        await Store.AppendAuditAsync(
        [
            Entry("alice", "orders", At(0)), Entry("alice", "customers", At(10)), Entry("bob", "orders", At(20)), Entry("alice", "orders", At(30)),
        ], None);
        Assert.Equal([At(30), At(10), At(0)], (await Store.QueryAuditAsync(new AuditQuery(Principal: "alice"), None)).Select(e => e.At));
        Assert.Equal([At(30), At(20), At(0)], (await Store.QueryAuditAsync(new AuditQuery(Target: "orders"), None)).Select(e => e.At));
        Assert.Equal([At(30), At(0)], (await Store.QueryAuditAsync(new AuditQuery("alice", "orders"), None)).Select(e => e.At));
        Assert.Equal([At(30), At(20), At(10)], (await Store.QueryAuditAsync(new AuditQuery(Since: At(10)), None)).Select(e => e.At));
        Assert.Equal([At(30), At(20)], (await Store.QueryAuditAsync(new AuditQuery(Limit: 2), None)).Select(e => e.At));
        Assert.Empty(await Store.QueryAuditAsync(new AuditQuery(Principal: "carol"), None));
    }

    [Fact]
    public async Task A_begun_entry_is_written_at_once_and_completing_it_keeps_its_start()
    {
        var start = Entry("alice", "orders", At(0)) with { Status = "started", Rows = 0, Bytes = 0, DurationMs = 0, Format = "csv", Version = "orders@2" };
        var id = await Store.BeginAuditAsync(start, None);
        var kept = await Store.BeginAuditAsync(start with { Target = "customers", Version = "customers@1" }, None);
        Assert.NotEqual(id, kept);
        Assert.Equal(start, (await (await OpenAnotherAsync()).QueryAuditAsync(new AuditQuery(Target: "orders"), None))[0]);

        // The end carries its own time and text; only the outcome, sizes, duration and (when given) the version count.
        var end = Entry("ignored", "ignored", At(60)) with { Status = "ok", Rows = 1000, Bytes = 65536, DurationMs = 59000, Version = "orders@3" };
        await Store.CompleteAuditAsync([(id, end), (kept, end with { Version = null })], None);
        await Store.CompleteAuditAsync([], None);
        var entries = await Store.QueryAuditAsync(new AuditQuery(), None);
        Assert.Equal(start with { Status = "ok", Rows = 1000, Bytes = 65536, DurationMs = 59000, Version = "orders@3" }, Assert.Single(entries, e => e.Target == "orders"));
        Assert.Equal(start with { Target = "customers", Version = "customers@1", Status = "ok", Rows = 1000, Bytes = 65536, DurationMs = 59000 },
            Assert.Single(entries, e => e.Target == "customers"));
    }

    [Fact]
    public async Task Deleting_audit_before_a_time_removes_only_older_entries_and_counts_them()
    {
        await Store.AppendAuditAsync([Entry("a", "orders", At(0)), Entry("b", "orders", At(10)), Entry("c", "orders", At(20))], None);
        await Store.BeginAuditAsync(Entry("d", "orders", At(5)), None);
        Assert.Equal(2, await Store.DeleteAuditBeforeAsync(At(10), None));
        Assert.Equal(["c", "b"], (await Store.QueryAuditAsync(new AuditQuery(), None)).Select(e => e.Principal));
        Assert.Equal(0, await Store.DeleteAuditBeforeAsync(At(10), None));
    }

    [Fact]
    public async Task Appending_no_entries_changes_nothing()
    {
        await Store.AppendAuditAsync([], None);
        Assert.Empty(await Store.QueryAuditAsync(new AuditQuery(), None));
    }

    private static AuditRecord Entry(string principal, string target, DateTimeOffset at) =>
        new(at, principal, "rest", target, "read rows", "", 10, 2048, "ok", 12);
}
