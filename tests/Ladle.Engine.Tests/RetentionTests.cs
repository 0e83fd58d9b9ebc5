using Ladle.Engine.Retention;
using Ladle.Engine.State;
using Ladle.Engine.Store;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Engine.Tests;

public sealed class RetentionTests
{
    [Fact]
    public async Task Retention_keeps_the_declared_versions_drops_old_quarantines_and_old_audit()
    {
        using var p = new TestProject("");
        p.Write("data/a.csv", "id\n1\n2\n");
        p.Dataset("a", "source: files\ntable: a.csv\nretention:\n  versions: 1\n  quarantined: 1s\nchecks:\n  - { type: unique, column: id }\n");
        p.Write("access.yaml", "roles:\n  r:\n    admin: true\nprincipals:\n  x: { roles: [r] }\naudit:\n  retention: 1d\n");
        await using var engine = await p.OpenAsync();
        for (var i = 0; i < 3; i++) Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Published);
        await WaitUntil(() => engine.Store.ListVersionTables().SequenceEqual([DuckDbStore.VersionTableName("a", 3)]));

        p.Write("data/a.csv", "id\n1\n1\n");
        Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Quarantined);
        await engine.State.AppendAuditAsync([
            new AuditRecord(DateTimeOffset.UtcNow.AddDays(-2), "x", "rest", "a", "read", "", 1, 1, "ok", 1),
            new AuditRecord(DateTimeOffset.UtcNow, "x", "rest", "a", "read", "", 1, 1, "ok", 1),
        ], CancellationToken.None);

        // Retention's clock starts now; the quarantine is younger than its 1 s until the clock is moved on.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var enforcer = new RetentionEnforcer(engine.Project, engine.State, engine.Store, engine.Catalog, clock);
        var early = await enforcer.RunOnceAsync(CancellationToken.None);
        Assert.Empty(early.QuarantinedVersionsDropped);
        Assert.Equal(1, early.AuditEntriesDeleted);
        Assert.Single(await engine.State.QueryAuditAsync(new AuditQuery(), CancellationToken.None));

        clock.Advance(TimeSpan.FromSeconds(2));
        var later = await enforcer.RunOnceAsync(CancellationToken.None);
        Assert.Equal([DuckDbStore.VersionTableName("a", 4)], later.QuarantinedVersionsDropped);
        Assert.DoesNotContain(DuckDbStore.VersionTableName("a", 4), engine.Store.ListVersionTables());
        Assert.Equal(VersionStatus.Dropped, (await engine.State.ListVersionsAsync("a", 1, CancellationToken.None))[0].Status);
        Assert.Equal(3, engine.Catalog.Current("a")!.Version);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
