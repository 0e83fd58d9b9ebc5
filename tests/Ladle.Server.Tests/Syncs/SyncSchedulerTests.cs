using Microsoft.Extensions.DependencyInjection;
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

    [Fact]
    public async Task A_sync_that_waited_for_stale_data_runs_when_its_dataset_publishes_again_and_one_that_refused_does_not()
    {
        await using var s = await SyncServer.StartAsync(new Dictionary<string, string>
        {
            ["patient"] = "on_stale: wait",
            ["strict"] = "on_stale: refuse",
        }, dataset: "freshness:\n  max_age: 10s\n");
        // The engine's clock is the real one: once ten seconds have passed the promise is broken, however slow the machine;
        // a publication then keeps it for ten seconds, long enough for the run it starts to read.
        await Task.Delay(TimeSpan.FromSeconds(10.5));

        var syncs = s.Server.Services.GetRequiredService<Ladle.Syncs.SyncService>();
        var waited = await syncs.RunAsync("patient", "manual", CancellationToken.None);
        Assert.Equal("waiting", waited.Status);
        Assert.Contains("waits for a fresh publication", waited.Error);
        Assert.Equal("refused", (await syncs.RunAsync("strict", "manual", CancellationToken.None)).Status);
        Assert.Empty(s.Receiver.Requests);
        while (s.TryNextRun(out _)) { }

        // Fresh data: the sync that waited runs on its own; the one that refused waits for its own trigger.
        await s.PublishAsync(SyncServer.Customers(1, 31));
        var resumed = await s.NextRunAsync();
        Assert.Equal(("patient", "succeeded", 31L), (resumed.Sync, resumed.Status, resumed.Acknowledged));
        Assert.Equal(Ladle.Syncs.SyncScheduler.AfterWaitTrigger, resumed.Trigger);

        // Its last run no longer waited: another publication does not start it. Runs go through one queue in order, so
        // once a run asked for after the publication finished, a run of "patient" would have finished before it.
        await s.PublishAsync(SyncServer.Customers(1, 33));
        var scheduler = s.Server.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Ladle.Syncs.SyncScheduler>().Single();
        Assert.True(scheduler.Request("strict", "marker"));
        var next = await s.NextRunAsync();
        Assert.Equal(("strict", "marker"), (next.Sync, next.Trigger));
    }
}
