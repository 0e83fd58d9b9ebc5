using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ladle.Protocol.Postgres.Tests.Support;
using Ladle.Server.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ladle.Server.Tests.Postgres;

/// <summary>The start-up of a wire connection, byte by byte over a real socket: encryption requests, negotiation, bad first packets, cancel.</summary>
public sealed class PgStartupTests(PgServerFixture fixture) : IClassFixture<PgServerFixture>
{
    private const int SslRequestCode = 80877103;
    private const int GssEncRequestCode = 80877104;
    private const int AuthenticationSasl = 10;

    private PgServer Pg => fixture.Pg;

    [Fact]
    public async Task SslRequest_is_answered_S_and_the_startup_goes_on_inside_tls_with_the_announced_certificate()
    {
        await using var client = await Pg.RawAsync();
        await client.SendAsync(new TestFrontendWriter().Request(SslRequestCode));
        Assert.Equal('S', await client.ReadByteAsync());
        var tls = await client.StartTlsAsync();
        var certificate = new X509Certificate2(tls.RemoteCertificate!);
        Assert.Equal(Pg.Listener.CertificateFingerprint!.Replace(":", "", StringComparison.Ordinal),
            Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)));
        Assert.True(File.Exists(Path.Combine(Pg.Server.Root, ".ladle", PgTlsCertificate.CertificateFile)));

        await client.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "alice"), ("database", "wire")));
        var (type, body) = (await client.ReadAsync())!.Value;
        Assert.Equal('R', type);
        Assert.Equal(AuthenticationSasl, body.Int32());
        Assert.Equal("SCRAM-SHA-256", body.CString());
    }

    [Fact]
    public async Task Bytes_sent_after_SslRequest_before_the_handshake_are_refused()
    {
        await using var client = await Pg.RawAsync();
        await client.SendAsync([.. new TestFrontendWriter().Request(SslRequestCode).ToArray(), .. new TestFrontendWriter().Startup(3, 0, ("user", "alice")).ToArray()]);
        var frames = await client.ReadAllAsync();
        var error = PgRawClient.ErrorFields(Assert.Single(frames, f => f.Type == 'E').Body);
        Assert.Equal("08P01", error['C']);
        Assert.Contains("unencrypted data after SSL request", error['M'], StringComparison.Ordinal);
    }

    [Fact]
    public async Task GssEncRequest_is_declined_and_the_client_goes_on_in_the_clear()
    {
        await using var client = await Pg.RawAsync();
        await client.SendAsync(new TestFrontendWriter().Request(GssEncRequestCode));
        Assert.Equal('N', await client.ReadByteAsync());
        await client.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "alice")));
        var (type, body) = (await client.ReadAsync())!.Value;
        Assert.Equal('R', type);
        Assert.Equal(AuthenticationSasl, body.Int32());
    }

    [Fact]
    public async Task A_newer_minor_version_and_unknown_protocol_options_are_negotiated_down()
    {
        await using var client = await Pg.RawAsync();
        await client.SendAsync(new TestFrontendWriter().Startup(3, 2, ("user", "alice"), ("_pq_.compression", "on")));
        var (type, body) = (await client.ReadAsync())!.Value;
        Assert.Equal('v', type);
        Assert.Equal(0, body.Int32());
        Assert.Equal(1, body.Int32());
        Assert.Equal("_pq_.compression", body.CString());
        Assert.Equal('R', (await client.ReadAsync())!.Value.Type);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "08P01")]
    [InlineData("\0\0\0\x08\0\x02\0\0", "0A000")]
    public async Task A_garbage_first_packet_gets_an_error_response_and_the_connection_closes(string packet, string sqlState)
    {
        await using (var client = await Pg.RawAsync())
        {
            await client.SendAsync(packet.Select(c => (byte)c).ToArray());
            var frames = await client.ReadAllAsync();
            var (type, body) = Assert.Single(frames);
            Assert.Equal('E', type);
            var error = PgRawClient.ErrorFields(body);
            Assert.Equal("FATAL", error['S']);
            Assert.Equal(sqlState, error['C']);
        }

        // The listener goes on: the next client is answered.
        await using var next = await Pg.RawAsync();
        await next.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "alice")));
        Assert.Equal('R', (await next.ReadAsync())!.Value.Type);
    }

    [Fact]
    public async Task A_startup_without_a_user_is_refused_with_28000()
    {
        await using var client = await Pg.RawAsync();
        await client.SendAsync(new TestFrontendWriter().Startup(3, 0, ("database", "wire")));
        var error = PgRawClient.ErrorFields(Assert.Single(await client.ReadAllAsync()).Body);
        Assert.Equal("28000", error['C']);
    }

    [Fact]
    public async Task A_client_encoding_other_than_utf8_is_refused()
    {
        await using var client = await Pg.RawAsync();
        await client.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "alice"), ("client_encoding", "LATIN1")));
        var error = PgRawClient.ErrorFields(Assert.Single(await client.ReadAllAsync()).Body);
        Assert.Equal("22023", error['C']);
        Assert.Contains("UTF8", error['M'], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancel_request_closes_without_a_reply_and_the_registry_finds_sessions_only_by_both_keys()
    {
        await using (var client = await Pg.RawAsync())
        {
            await client.SendAsync(new TestFrontendWriter().Cancel(12345, 678));
            Assert.True(await client.ClosedAsync());
        }

        var registry = new PgCancelRegistry();
        var pipeline = Pg.Server.Services.GetRequiredService<Engine.Serving.ReadPipeline>();
        var session = new PgSession(pipeline, new PgSessionInfo(Core.Policy.Principal.Local, "alice", "wire", new Dictionary<string, string>(), false, null),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var other = new PgSession(pipeline, session.Info with { User = "bob" }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var (processId, secret) = registry.Register(session);
        var (otherId, otherSecret) = registry.Register(other);
        Assert.NotEqual(processId, otherId);
        Assert.Same(session, registry.Find(processId, secret));
        Assert.Same(other, registry.Find(otherId, otherSecret));
        Assert.Null(registry.Find(processId, secret + 1));
        Assert.Null(registry.Find(processId, otherSecret));
        Assert.True(registry.Cancel(processId, secret));
        Assert.False(registry.Cancel(processId, secret ^ 1));
        registry.Unregister(processId);
        Assert.Null(registry.Find(processId, secret));
    }

    [Fact]
    public async Task Npgsql_over_tls_requires_nothing_but_sslmode_require()
    {
        var token = await Pg.CreateTokenAsync("alice");
        await using var connection = Pg.Connect("alice", token, SslMode.Require);
        await PgServer.AssertSignsInAsync(connection);
    }
}
