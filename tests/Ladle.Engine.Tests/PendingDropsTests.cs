using Ladle.Engine.Store;

namespace Ladle.Engine.Tests;

public sealed class PendingDropsTests
{
    [Fact]
    public async Task Draining_waits_for_a_drop_under_way_and_refuses_new_ones()
    {
        var drops = new PendingDrops();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = false;
        Assert.True(drops.Start(async () =>
        {
            await release.Task;
            finished = true;
        }));

        var draining = drops.DrainAsync();
        Assert.False(draining.IsCompleted);
        Assert.False(drops.Start(() => Task.CompletedTask));

        release.SetResult();
        await draining;
        Assert.True(finished);
        Assert.Equal(0, drops.Count);
    }

    [Fact]
    public async Task A_failed_drop_does_not_fail_the_drain()
    {
        var drops = new PendingDrops();
        drops.Start(() => throw new IOException("the drop's own failure, logged by the drop"));
        await drops.DrainAsync();
        Assert.Equal(0, drops.Count);
    }
}
