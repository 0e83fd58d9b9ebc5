using Ladle.Engine.State;

namespace Ladle.Engine.Tests.State;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task A_token_is_found_by_its_id_with_every_field_and_tokens_list_newest_first()
    {
        var expiring = Token("aaa", At(0)) with { ExpiresAt = At(3600), Description = "dashboards", ScramVerifier = "SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5" };
        await Store.AddTokenAsync(expiring, None);
        await Store.AddTokenAsync(Token("bbb", At(10)), None);
        await Store.AddTokenAsync(Token("ccc", At(5)), None);
        Assert.Equal(expiring, await Store.FindTokenAsync("aaa", None));
        Assert.Null(await Store.FindTokenAsync("zzz", None));
        Assert.Equal(["bbb", "ccc", "aaa"], (await Store.ListTokensAsync(None)).Select(t => t.Id));
    }

    [Fact]
    public async Task A_token_is_revoked_once_and_an_unknown_one_not_at_all()
    {
        await Store.AddTokenAsync(Token("aaa", At(0)), None);
        var other = await OpenAnotherAsync();
        Assert.True(await Store.RevokeTokenAsync("aaa", At(60), None));
        Assert.False(await other.RevokeTokenAsync("aaa", At(120), None));
        Assert.False(await Store.RevokeTokenAsync("zzz", At(60), None));
        Assert.Equal(At(60), (await other.FindTokenAsync("aaa", None))!.RevokedAt);
    }

    [Fact]
    public async Task Touching_a_token_records_its_last_use_and_nothing_else()
    {
        var token = Token("aaa", At(0));
        await Store.AddTokenAsync(token, None);
        await Store.TouchTokenAsync("aaa", At(30), None);
        await Store.TouchTokenAsync("aaa", At(90), None);
        await Store.TouchTokenAsync("zzz", At(90), None);
        Assert.Equal(token with { LastUsedAt = At(90) }, await Store.FindTokenAsync("aaa", None));
    }

    private static TokenRecord Token(string id, DateTimeOffset created) =>
        new(id, "analyst", "salt-" + id, "hash-" + id, created, null, null, null, null);
}
