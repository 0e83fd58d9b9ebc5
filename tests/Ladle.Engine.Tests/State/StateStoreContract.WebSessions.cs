using Ladle.Engine.State;

namespace Ladle.Engine.Tests.State;

public abstract partial class StateStoreContract
{
    private static WebSessionRecord Session(string hash, string token, DateTimeOffset at) =>
        new(hash, token, "alice", at, at, at + TimeSpan.FromDays(7));

    [Fact]
    public async Task A_web_session_is_found_by_its_hash_touched_and_deleted_and_another_node_sees_it()
    {
        var other = await OpenAnotherAsync();
        await Store.AddWebSessionAsync(Session("h1", "tok000000001", At(0)), None);
        Assert.Equal(Session("h1", "tok000000001", At(0)), await other.FindWebSessionAsync("h1", None));
        Assert.Null(await Store.FindWebSessionAsync("h2", None));

        await other.TouchWebSessionAsync("h1", At(90), None);
        // A touch never moves the last use back (two nodes touching out of order).
        await Store.TouchWebSessionAsync("h1", At(30), None);
        Assert.Equal(At(90), (await Store.FindWebSessionAsync("h1", None))!.LastSeenAt);

        Assert.True(await other.DeleteWebSessionAsync("h1", None));
        Assert.False(await Store.DeleteWebSessionAsync("h1", None));
        Assert.Null(await Store.FindWebSessionAsync("h1", None));
    }

    [Fact]
    public async Task Web_sessions_end_with_their_token_and_when_idle_or_past_their_expiry()
    {
        await Store.AddWebSessionAsync(Session("a", "tok000000001", At(0)), None);
        await Store.AddWebSessionAsync(Session("b", "tok000000001", At(0)), None);
        await Store.AddWebSessionAsync(Session("c", "tok000000002", At(0)), None);
        Assert.Equal(2, await Store.DeleteWebSessionsOfTokenAsync("tok000000001", None));
        Assert.NotNull(await Store.FindWebSessionAsync("c", None));

        await Store.AddWebSessionAsync(Session("idle", "tok000000002", At(0)) with { LastSeenAt = At(-3600) }, None);
        await Store.AddWebSessionAsync(Session("old", "tok000000002", At(0)) with { ExpiresAt = At(10) }, None);
        Assert.Equal(2, await Store.DeleteEndedWebSessionsAsync(At(10), At(-60), None));
        Assert.NotNull(await Store.FindWebSessionAsync("c", None));
        Assert.Null(await Store.FindWebSessionAsync("idle", None));
        Assert.Null(await Store.FindWebSessionAsync("old", None));
    }
}
