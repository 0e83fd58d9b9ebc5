using Ladle.Engine.Access;
using Ladle.Engine.State;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ladle.Server.Tests.Postgres;

/// <summary>Signing in over the wire protocol: the user is a principal, the password one of its API tokens.</summary>
public sealed class PgAuthenticationTests(PgServerFixture fixture) : IClassFixture<PgServerFixture>
{
    private PgServer Pg => fixture.Pg;

    [Theory]
    [InlineData(SslMode.Disable)]
    [InlineData(SslMode.Require)]
    public async Task Npgsql_signs_in_with_scram_using_a_token_as_the_password(SslMode sslMode)
    {
        var token = await Pg.CreateTokenAsync("alice");
        await using var connection = Pg.Connect("alice", token, sslMode);
        await PgServer.AssertSignsInAsync(connection);
    }

    [Fact]
    public async Task Any_live_token_of_the_principal_signs_in()
    {
        var first = await Pg.CreateTokenAsync("bob");
        var second = await Pg.CreateTokenAsync("bob");
        foreach (var token in new[] { first, second })
        {
            await using var connection = Pg.Connect("bob", token);
            await PgServer.AssertSignsInAsync(connection);
        }
    }

    [Fact]
    public async Task A_wrong_token_another_principals_token_and_an_unknown_user_get_one_and_the_same_refusal()
    {
        var alices = await Pg.CreateTokenAsync("alice");
        var bobs = await Pg.CreateTokenAsync("bob");
        var refusals = new List<PostgresException>();
        foreach (var (user, password) in new[] { ("alice", alices[..^4] + "AAAA"), ("alice", bobs), ("mallory", alices), ("alice", "not a token") })
        {
            await using var connection = Pg.Connect(user, password);
            var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
            Assert.Equal("28P01", error.SqlState);
            Assert.Equal("FATAL", error.Severity);
            Assert.Equal($"password authentication failed for user \"{user}\"", error.MessageText);
            Assert.Null(error.Detail);
            refusals.Add(error);
        }
        Assert.Single(refusals.Select(e => e.Hint!.Replace("mallory", "alice", StringComparison.Ordinal)).Distinct());
    }

    [Fact]
    public async Task A_token_made_before_verifiers_is_refused_with_how_to_make_a_new_one()
    {
        var old = await Pg.CreateOldTokenAsync("alice");
        await using var connection = Pg.Connect("alice", old);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28P01", error.SqlState);
        Assert.Contains("ladle tokens create --principal alice", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_saying_so_once_its_holder_proved_it()
    {
        var (token, record) = await Pg.Tokens.CreateAsync("alice", null, "to revoke", CancellationToken.None);
        Assert.True(await Pg.Server.Engine.State.RevokeTokenAsync(record.Id, DateTimeOffset.UtcNow, CancellationToken.None));
        await using var connection = Pg.Connect("alice", token);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28P01", error.SqlState);
        Assert.Contains("revoked", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var (token, _) = await Pg.Tokens.CreateAsync("alice", TimeSpan.FromMilliseconds(1), "short", CancellationToken.None);
        await using var connection = Pg.Connect("alice", token);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28P01", error.SqlState);
        Assert.Contains("expired", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_sign_in_is_audited_as_the_pg_interface()
    {
        await using (var connection = Pg.Connect("bob", "ldl_000000000000_wrong"))
            await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        await Pg.Server.Services.GetRequiredService<AuditWriter>().FlushAsync(CancellationToken.None);
        var entries = await Pg.Server.Engine.State.QueryAuditAsync(new AuditQuery(Principal: "bob"), CancellationToken.None);
        Assert.Contains(entries, e => e is { Interface: "pg", Action: "authenticate", Status: "unauthorized" });
    }
}
