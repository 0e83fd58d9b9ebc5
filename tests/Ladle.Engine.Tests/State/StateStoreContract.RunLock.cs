using Ladle.Engine.State;

namespace Ladle.Engine.Tests.State;

public abstract partial class StateStoreContract
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_run_lease_has_one_holder_at_a_time()
    {
        var other = await OpenAnotherAsync();
        var lease = await Store.TryAcquireRunLeaseAsync("orders", "node-a/run-1", Minute, None);
        Assert.Equal(new RunLease("orders", "node-a/run-1", At(0), At(60)), lease);
        Assert.Null(await other.TryAcquireRunLeaseAsync("orders", "node-b/run-2", Minute, None));
        Assert.Equal(lease, await other.FindRunLeaseAsync("orders", None));
        // Another dataset is another lease.
        Assert.NotNull(await other.TryAcquireRunLeaseAsync("customers", "node-b/run-2", Minute, None));
    }

    [Fact]
    public async Task Owners_racing_for_a_lease_get_it_exactly_once()
    {
        var handles = new[] { Store, await OpenAnotherAsync(), await OpenAnotherAsync() };
        var attempts = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Task.Run(() => handles[i % handles.Length].TryAcquireRunLeaseAsync("orders", $"owner-{i}", Minute, None))));
        var winner = Assert.Single(attempts, a => a is not null);
        Assert.Equal(winner, await Store.FindRunLeaseAsync("orders", None));
    }

    [Fact]
    public async Task A_lease_not_renewed_in_time_expires_and_its_old_holder_cannot_renew_or_release_it()
    {
        var first = (await Store.TryAcquireRunLeaseAsync("orders", "a", Minute, None))!;
        Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Null(await Store.TryAcquireRunLeaseAsync("orders", "b", Minute, None));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await Store.FindRunLeaseAsync("orders", None));
        var second = await Store.TryAcquireRunLeaseAsync("orders", "b", Minute, None);
        Assert.Equal(new RunLease("orders", "b", At(0), At(60)), second);
        Assert.Null(await Store.RenewRunLeaseAsync(first, Minute, None));
        Assert.False(await Store.ReleaseRunLeaseAsync(first, None));
        Assert.Equal(second, await Store.FindRunLeaseAsync("orders", None));
    }

    [Fact]
    public async Task An_expired_lease_is_lost_even_when_nobody_took_it()
    {
        var lease = (await Store.TryAcquireRunLeaseAsync("orders", "a", Minute, None))!;
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await Store.RenewRunLeaseAsync(lease, Minute, None));
    }

    [Fact]
    public async Task Renewing_a_lease_in_time_keeps_others_out_past_its_first_expiry()
    {
        var lease = (await Store.TryAcquireRunLeaseAsync("orders", "a", Minute, None))!;
        Clock.Advance(TimeSpan.FromSeconds(50));
        var renewed = await Store.RenewRunLeaseAsync(lease, Minute, None);
        Assert.Equal(lease with { ExpiresAt = At(60) }, renewed);
        Clock.Advance(TimeSpan.FromSeconds(50));
        Assert.Null(await Store.TryAcquireRunLeaseAsync("orders", "b", Minute, None));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.NotNull(await Store.TryAcquireRunLeaseAsync("orders", "b", Minute, None));
    }

    [Fact]
    public async Task A_released_lease_is_free_at_once()
    {
        var lease = (await Store.TryAcquireRunLeaseAsync("orders", "a", Minute, None))!;
        Assert.True(await Store.ReleaseRunLeaseAsync(lease, None));
        Assert.False(await Store.ReleaseRunLeaseAsync(lease, None));
        Assert.Null(await Store.FindRunLeaseAsync("orders", None));
        Assert.Null(await Store.RenewRunLeaseAsync(lease, Minute, None));
        Assert.NotNull(await (await OpenAnotherAsync()).TryAcquireRunLeaseAsync("orders", "b", Minute, None));
    }

    [Fact]
    public async Task Its_owner_taking_a_lease_again_renews_it_and_keeps_when_it_was_taken()
    {
        var lease = (await Store.TryAcquireRunLeaseAsync("orders", "a", Minute, None))!;
        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(lease with { ExpiresAt = At(60) }, await Store.TryAcquireRunLeaseAsync("orders", "a", Minute, None));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task A_lease_must_last_some_time(int seconds)
    {
        var duration = TimeSpan.FromSeconds(seconds);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.TryAcquireRunLeaseAsync("orders", "a", duration, None));
        var lease = (await Store.TryAcquireRunLeaseAsync("orders", "a", Minute, None))!;
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.RenewRunLeaseAsync(lease, duration, None));
    }
}
