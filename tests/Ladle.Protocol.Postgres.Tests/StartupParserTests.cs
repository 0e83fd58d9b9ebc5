using System.Buffers;
using Ladle.Protocol.Postgres.Frontend;
using Ladle.Protocol.Postgres.Tests.Support;

namespace Ladle.Protocol.Postgres.Tests;

public sealed class StartupParserTests
{
    private static readonly PgProtocolLimits Limits = PgProtocolLimits.Default;

    [Fact]
    public void Startup_message_carries_version_and_parameters_in_order()
    {
        var bytes = new TestFrontendWriter().Startup(3, 0, ("user", "alice"), ("database", "shop"), ("application_name", "psql")).ToArray();
        var startup = Assert.IsType<StartupMessage>(Parse(bytes));
        Assert.Equal((3, 0), (startup.MajorVersion, startup.MinorVersion));
        Assert.Equal("alice", startup.User);
        Assert.Equal("shop", startup.Database);
        Assert.Equal("psql", startup.GetParameter("application_name"));
        Assert.Equal(["user", "database", "application_name"], startup.Parameters.Select(p => p.Key));
    }

    [Fact]
    public void A_newer_minor_version_is_accepted_for_the_server_to_negotiate()
    {
        var startup = Assert.IsType<StartupMessage>(Parse(new TestFrontendWriter().Startup(3, 2, ("user", "u")).ToArray()));
        Assert.Equal(2, startup.MinorVersion);
        Assert.Equal("u", startup.Database);
    }

    [Fact]
    public void Ssl_gss_and_cancel_requests_are_recognised()
    {
        Assert.Same(SslRequest.Instance, Parse(new TestFrontendWriter().Request(80877103).ToArray()));
        Assert.Same(GssEncRequest.Instance, Parse(new TestFrontendWriter().Request(80877104).ToArray()));
        var cancel = Assert.IsType<CancelRequest>(Parse(new TestFrontendWriter().Cancel(1234, -5678).ToArray()));
        Assert.Equal((1234, -5678), (cancel.ProcessId, cancel.SecretKey));
    }

    [Fact]
    public void An_incomplete_packet_asks_for_its_whole_length()
    {
        var bytes = new TestFrontendWriter().Startup(3, 0, ("user", "alice")).ToArray();
        Assert.False(StartupParser.TryParse(new ReadOnlySequence<byte>(bytes, 0, 4), Limits, out _, out _, out var needed));
        Assert.Equal(8, needed);
        Assert.False(StartupParser.TryParse(new ReadOnlySequence<byte>(bytes, 0, 10), Limits, out _, out _, out needed));
        Assert.Equal(bytes.Length, needed);
    }

    [Fact]
    public void Protocol_2_is_refused_as_unsupported()
    {
        var error = Assert.Throws<PgProtocolException>(() => Parse(new TestFrontendWriter().Startup(2, 0, ("user", "u")).ToArray()));
        Assert.Equal(PgSqlState.FeatureNotSupported, error.SqlState);
        Assert.Contains("2.0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(10001)]
    [InlineData(-8)]
    public void A_length_outside_8_to_the_limit_is_refused_from_the_header(int length)
    {
        byte[] bytes = [(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, 0, 3, 0, 0];
        var error = Assert.Throws<PgProtocolException>(() => StartupParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
        Assert.Equal(PgSqlState.ProtocolViolation, error.SqlState);
        Assert.Contains("invalid length of startup packet", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(0x51FFFFFF)]
    [InlineData(-16)]
    public void A_lying_length_is_refused_from_its_own_four_bytes_without_waiting_for_the_code(int length)
    {
        // Found by the listener fuzz test: a GSSENCRequest then 'Q' 0xFFFFFFF0 left the server waiting for three more bytes.
        byte[] bytes = [(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length];
        var error = Assert.Throws<PgProtocolException>(() => StartupParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
        Assert.Contains("invalid length of startup packet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ssl_request_with_a_body_is_refused()
    {
        byte[] bytes = [0, 0, 0, 12, 0x04, 0xd2, 0x16, 0x2f, 0, 0, 0, 0];
        Assert.Throws<PgProtocolException>(() => StartupParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
    }

    [Fact]
    public void Too_many_parameters_or_a_missing_terminator_is_refused()
    {
        var limits = Limits with { MaxStartupParameters = 2 };
        var many = new TestFrontendWriter().Startup(3, 0, ("a", "1"), ("b", "2"), ("c", "3")).ToArray();
        Assert.Equal(PgSqlState.ProgramLimitExceeded, Assert.Throws<PgProtocolException>(() => StartupParser.TryParse(new ReadOnlySequence<byte>(many), limits, out _, out _, out _)).SqlState);

        byte[] unterminated = [0, 0, 0, 12, 0, 3, 0, 0, (byte)'u', 0, (byte)'x', 0];
        Assert.Contains("final terminator", Assert.Throws<PgProtocolException>(() => Parse(unterminated)).Message, StringComparison.Ordinal);
    }

    private static StartupPacket Parse(byte[] bytes)
    {
        Assert.True(StartupParser.TryParse(Sequences.Split(bytes, 5), Limits, out var packet, out var consumed, out _));
        Assert.Equal(bytes.Length, consumed);
        return packet;
    }
}
