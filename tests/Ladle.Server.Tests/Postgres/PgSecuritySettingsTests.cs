using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Ladle.Protocol.Postgres.Tests.Support;
using Npgsql;

namespace Ladle.Server.Tests.Postgres;

/// <summary>require_tls, cleartext passwords inside TLS, TLS off, and --dev trust on loopback only: each on its own server.</summary>
public sealed class PgSecuritySettingsTests
{
    private const int SslRequestCode = 80877103;

    [Fact]
    public async Task Too_many_failed_sign_ins_are_refused_with_53300_in_the_words_of_the_wire_not_of_http()
    {
        await using var pg = await PgServer.StartAsync(accessExtra: "rate_limits:\n  unauthenticated: { requests_per_second: 1 }");
        PostgresException? refused = null;
        for (var attempt = 0; attempt < 30 && refused is null; attempt++)
        {
            await using var connection = pg.Connect("alice", "ldl_000000000000_wrong");
            var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
            if (error.SqlState == "53300") refused = error;
            else Assert.Equal("28P01", error.SqlState);
        }

        Assert.NotNull(refused);
        Assert.Contains("too many failed sign-ins from 127.0.0.1", refused.MessageText, StringComparison.Ordinal);
        Assert.Contains("API tokens as the password", refused.MessageText, StringComparison.Ordinal);
        Assert.DoesNotContain("Authorization", refused.MessageText, StringComparison.Ordinal);
        Assert.DoesNotContain("requests", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Require_tls_refuses_a_plain_connection_with_28000_and_takes_a_cleartext_token_inside_tls()
    {
        await using var pg = await PgServer.StartAsync("require_tls: true\nauth: password");
        var token = await pg.CreateTokenAsync("alice");

        await using (var plain = pg.Connect("alice", token, SslMode.Disable))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => plain.OpenAsync());
            Assert.Equal("28000", error.SqlState);
            Assert.Contains("require_tls", error.MessageText, StringComparison.Ordinal);
            Assert.Contains("sslmode=require", error.MessageText, StringComparison.Ordinal);
        }

        await using (var tls = pg.Connect("alice", token, SslMode.Require))
            await PgServer.AssertSignsInAsync(tls);

        // Cleartext checks the token itself: an old token works, another principal's does not.
        var old = await pg.CreateOldTokenAsync("alice");
        await using (var tls = pg.Connect("alice", old, SslMode.Require))
            await PgServer.AssertSignsInAsync(tls);
        var bobs = await pg.CreateTokenAsync("bob");
        await using (var tls = pg.Connect("alice", bobs, SslMode.Require))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => tls.OpenAsync());
            Assert.Equal("28P01", error.SqlState);
            Assert.Equal("password authentication failed for user \"alice\"", error.MessageText);
        }
    }

    [Fact]
    public async Task Password_auth_still_uses_scram_on_a_plain_connection()
    {
        await using var pg = await PgServer.StartAsync("auth: password\ntls: off");
        await using var client = await pg.RawAsync();
        await client.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "alice")));
        var (type, body) = (await client.ReadAsync())!.Value;
        Assert.Equal('R', type);
        Assert.Equal(10, body.Int32());
    }

    [Fact]
    public async Task Dev_trusts_loopback_as_the_local_owner_and_sends_the_statuses_clients_need_but_asks_principals_and_others_for_a_token()
    {
        await using var pg = await PgServer.StartAsync("tls: off", dev: true, listen: "0.0.0.0:0");

        await using (var client = await pg.RawAsync())
        {
            await client.SendAsync(new TestFrontendWriter().Request(SslRequestCode));
            Assert.Equal('N', await client.ReadByteAsync());
            await client.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "whoever"), ("application_name", "wire-test")));
            var frames = await client.ReadAllAsync(until: 'K');
            Assert.Equal(('R', 0), (frames[0].Type, frames[0].Body.Int32()));
            var statuses = frames.Where(f => f.Type == 'S').ToDictionary(f => f.Body.CString(), f => f.Body.CString());
            Assert.Equal("15.18", statuses["server_version"]);
            Assert.Equal("UTF8", statuses["server_encoding"]);
            Assert.Equal("UTF8", statuses["client_encoding"]);
            Assert.Equal("ISO, MDY", statuses["DateStyle"]);
            Assert.Equal("on", statuses["integer_datetimes"]);
            Assert.Equal("on", statuses["standard_conforming_strings"]);
            Assert.Equal("UTC", statuses["TimeZone"]);
            Assert.Equal("postgres", statuses["IntervalStyle"]);
            Assert.Equal("wire-test", statuses["application_name"]);
            Assert.Equal("off", statuses["is_superuser"]);
            Assert.Equal("whoever", statuses["session_authorization"]);
            var keys = Assert.Single(frames, f => f.Type == 'K').Body;
            Assert.NotEqual(0, keys.Int32());
        }

        // A user naming a principal of access.yaml signs in even from loopback, so its filters and masks apply.
        await using (var principal = await pg.RawAsync())
        {
            await principal.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "alice")));
            var (asked, request) = (await principal.ReadAsync())!.Value;
            Assert.Equal(('R', 10), (asked, request.Int32()));
        }

        // The same --dev server asks a client from another address for a token.
        var external = NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.NotNull(external);   // the test machine has a non-loopback address to come from
        await using var remote = await PgRawClient.ConnectAsync(new IPEndPoint(external, pg.Port));
        await remote.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "whoever")));
        var (type, body) = (await remote.ReadAsync())!.Value;
        Assert.Equal('R', type);
        Assert.Equal(10, body.Int32());
    }
}
