using Microsoft.Extensions.Time.Testing;

namespace Ladle.Server.Tests.Syncs;

/// <summary>The served scheduler starts syncs on their cron schedule (on the injected clock, no waiting) and after a publication of their dataset.</summary>
public sealed class SyncSchedulerTests
{
    [Fact]
    public async Task A_cron_sync_runs_when_the_clock_reaches_its_time_and_an_on_publish_sync_runs_after_a_publication()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 30, 0, TimeSpan.Zero));
        await using var s = await SyncServer.StartAsync(new Dictionary<string, string>
        {
            ["nightly"] = "schedule: \"0 2 * * *\"",
            ["fresh"] = "on_publish: true",
        }, clock: clock);
        Assert.False(s.TryNextRun(out _));

        // Hour by hour: the scheduler may take its first look at the clock after any of these steps, and then runs at 02:00.
        Ladle.Engine.State.SyncRunRecord? nightly = null;
        for (var hour = 0; hour < 30 && nightly is null; hour++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            try { nightly = await s.NextRunAsync(TimeSpan.FromMilliseconds(200)); }
            catch (OperationCanceledException) { }
        }
        Assert.NotNull(nightly);
        Assert.Equal(("nightly", "schedule", "succeeded"), (nightly.Sync, nightly.Trigger, nightly.Status));
        Assert.Equal(2, nightly.StartedAt.Hour);
        Assert.Equal(30, nightly.Acknowledged);

        await s.PublishAsync(SyncServer.Customers(1, 32));
        var fresh = await s.NextRunAsync();
        Assert.Equal(("fresh", "publish", "succeeded"), (fresh.Sync, fresh.Trigger, fresh.Status));
        Assert.Equal(32, fresh.Acknowledged);
        Assert.False(s.TryNextRun(out var other), $"no other run was due, but {other?.Sync} ran");
    }
}
