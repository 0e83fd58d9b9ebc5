using System.Collections.Concurrent;
using Ladle.Engine.Retention;
using Ladle.Engine.Trust;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Engine.Tests;

public sealed class VersionCatalogTests
{
    [Fact]
    public async Task Publication_quarantine_and_drops_each_raise_Changed_and_a_failing_watcher_changes_nothing()
    {
        using var p = new TestProject("");
        p.Write("data/a.csv", "id\n1\n2\n");
        p.Dataset("a", "source: files\ntable: a.csv\nretention:\n  versions: 1\n  quarantined: 1s\nchecks:\n  - { type: unique, column: id }\n");
        await using var engine = await p.OpenAsync();
        var changes = new ConcurrentQueue<VersionChange>();
        engine.Catalog.Changed += (_, _) => throw new InvalidOperationException("a watcher's bug");
        engine.Catalog.Changed += (_, change) => changes.Enqueue(change);

        Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Published);
        Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Published);
        // Version 1 is retired by version 2 (versions: 1) and dropped once unread: the drop is announced once done.
        await WaitUntil(() => changes.Contains(new VersionChange("a", 1, VersionChangeKind.Dropped, default), ByVersionAndKind));
        p.Write("data/a.csv", "id\n1\n1\n");
        Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Quarantined);

        var dataset = engine.GetDataset("a");
        Assert.Equal(2, engine.Catalog.Current("a")!.Version);
        Assert.Equal(DataStatus.Failed, engine.Catalog.Evaluate(dataset).Status);
        Assert.NotNull(engine.Catalog.Quarantine("a", 3));

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(2));
        var retention = new RetentionEnforcer(engine.Project, engine.State, engine.Store, engine.Catalog, clock);
        Assert.Single((await retention.RunOnceAsync(CancellationToken.None)).QuarantinedVersionsDropped);
        Assert.Null(engine.Catalog.Quarantine("a", 3));

        Assert.Equal(
            [(1L, VersionChangeKind.Published), (2L, VersionChangeKind.Published), (1L, VersionChangeKind.Dropped), (3L, VersionChangeKind.Quarantined), (3L, VersionChangeKind.Dropped)],
            changes.Select(c => (c.Version, c.Kind)));
        Assert.All(changes, c => Assert.Equal("a", c.Dataset));
    }

    [Fact]
    public async Task Recovery_restores_the_served_version_and_its_status_without_announcing_a_change()
    {
        using var p = new TestProject("");
        p.Write("data/a.csv", "id\n1\n2\n");
        p.Dataset("a", "source: files\ntable: a.csv\nchecks:\n  - { type: unique, column: id }\n");
        await using (var first = await p.OpenAsync())
        {
            Assert.True((await first.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Published);
            p.Write("data/a.csv", "id\n1\n1\n");
            Assert.True((await first.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Quarantined);
        }

        await using var engine = await p.OpenAsync();
        Assert.Equal(1, engine.Catalog.Current("a")!.Version);
        var health = engine.Catalog.Evaluate(engine.GetDataset("a"));
        Assert.Equal(DataStatus.Failed, health.Status);
        Assert.Contains("version 2 was quarantined", health.Reason, StringComparison.Ordinal);
        Assert.NotNull(engine.Catalog.Quarantine("a", 2));
    }

    private static readonly IEqualityComparer<VersionChange> ByVersionAndKind = EqualityComparer<VersionChange>.Create(
        (a, b) => a!.Dataset == b!.Dataset && a.Version == b.Version && a.Kind == b.Kind, c => HashCode.Combine(c.Version, c.Kind));

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
