using System.Buffers;
using System.Text;
using Ladle.Protocol.Postgres.Frontend;
using Ladle.Protocol.Postgres.Tests.Support;

namespace Ladle.Protocol.Postgres.Tests;

public sealed class FrontendParserTests
{
    private static readonly PgProtocolLimits Limits = PgProtocolLimits.Default;

    [Fact]
    public void Each_frame_prefix_asks_for_more_bytes_and_consumes_nothing()
    {
        var frame = new TestFrontendWriter().Query("select 1").ToArray();
        for (var length = 0; length < frame.Length; length++)
        {
            var ok = FrontendParser.TryParse(new ReadOnlySequence<byte>(frame, 0, length), Limits, out var message, out var consumed, out var needed);
            Assert.False(ok);
            Assert.Null(message);
            Assert.Equal(0, consumed);
            Assert.Equal(length < 5 ? 5 : frame.Length, needed);
        }
    }

    [Fact]
    public void Query_parses_and_consumes_exactly_its_frame_leaving_the_next()
    {
        var bytes = new TestFrontendWriter().Query("select 'ü'; select 2").Empty('S').ToArray();
        Assert.True(FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out var message, out var consumed, out _));
        Assert.Equal("select 'ü'; select 2", Assert.IsType<QueryMessage>(message).Sql);
        Assert.True(FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes).Slice(consumed), Limits, out var sync, out var consumed2, out _));
        Assert.Same(SyncMessage.Instance, sync);
        Assert.Equal(bytes.Length, consumed + consumed2);
    }

    [Fact]
    public void Bind_keeps_nulls_formats_and_values_after_the_buffer_is_reused()
    {
        var bytes = new TestFrontendWriter()
            .Bind("portal", "stmt", [0, 1], ["42"u8.ToArray(), null], [1])
            .ToArray();
        Assert.True(FrontendParser.TryParse(Sequences.Split(bytes, 3, 11, 20), Limits, out var message, out var consumed, out _));
        Array.Clear(bytes);
        var bind = Assert.IsType<BindMessage>(message);
        Assert.Equal("portal", bind.PortalName);
        Assert.Equal("stmt", bind.StatementName);
        Assert.Equal(PgFormatCode.Text, bind.GetParameterFormat(0));
        Assert.Equal(PgFormatCode.Binary, bind.GetParameterFormat(1));
        Assert.Equal("42"u8.ToArray(), bind.Parameters[0].Value.ToArray());
        Assert.True(bind.Parameters[1].IsNull);
        Assert.Equal(PgFormatCode.Binary, bind.GetResultFormat(5));
        Assert.Equal(bytes.Length, consumed);
    }

    [Fact]
    public void Parse_describe_execute_close_and_the_bodiless_messages_parse()
    {
        var bytes = new TestFrontendWriter()
            .Parse("s1", "select $1, $2", 23, 0)
            .Describe('S', "s1")
            .Execute("", 100)
            .Close('P', "p1")
            .Empty('H')
            .Empty('X')
            .Empty('c')
            .Raw('d', [1, 2, 3])
            .CopyFail("client gave up")
            .ToArray();
        var messages = ParseAll(bytes);
        var parse = Assert.IsType<ParseMessage>(messages[0]);
        Assert.Equal(("s1", "select $1, $2"), (parse.StatementName, parse.Sql));
        Assert.Equal([23u, 0u], parse.ParameterTypeOids);
        var describe = Assert.IsType<DescribeMessage>(messages[1]);
        Assert.Equal((TargetKind.Statement, "s1"), (describe.Target, describe.Name));
        var execute = Assert.IsType<ExecuteMessage>(messages[2]);
        Assert.Equal(("", 100), (execute.PortalName, execute.MaxRows));
        var close = Assert.IsType<CloseMessage>(messages[3]);
        Assert.Equal((TargetKind.Portal, "p1"), (close.Target, close.Name));
        Assert.IsType<FlushMessage>(messages[4]);
        Assert.IsType<TerminateMessage>(messages[5]);
        Assert.IsType<CopyDoneMessage>(messages[6]);
        Assert.Equal([1, 2, 3], Assert.IsType<CopyDataMessage>(messages[7]).Data.ToArray());
        Assert.Equal("client gave up", Assert.IsType<CopyFailMessage>(messages[8]).Reason);
    }

    [Fact]
    public void Password_message_reads_as_cleartext_or_sasl_by_the_step_the_server_is_in()
    {
        var cleartext = Parse<PasswordMessage>(new TestFrontendWriter().Password("s3cret").ToArray());
        Assert.Equal("s3cret", cleartext.ReadCleartextPassword());

        var initial = Parse<PasswordMessage>(new TestFrontendWriter().SaslInitial("SCRAM-SHA-256", "n,,n=,r=abc"u8.ToArray()).ToArray());
        var response = initial.ReadSaslInitialResponse();
        Assert.Equal("SCRAM-SHA-256", response.Mechanism);
        Assert.Equal("n,,n=,r=abc", Encoding.UTF8.GetString(response.Data!.Value.Span));

        var none = Parse<PasswordMessage>(new TestFrontendWriter().SaslInitial("SCRAM-SHA-256", null).ToArray());
        Assert.Null(none.ReadSaslInitialResponse().Data);

        var lying = Parse<PasswordMessage>(new TestFrontendWriter().Raw('p', [(byte)'M', 0, 0, 0, 0, 9, 1]).ToArray());
        Assert.Equal(PgSqlState.ProtocolViolation, Assert.Throws<PgProtocolException>(() => lying.ReadSaslInitialResponse()).SqlState);
    }

    [Fact]
    public void An_oversized_length_is_refused_from_the_header_before_its_bytes_arrive()
    {
        var limits = Limits with { MaxMessageSize = 1000 };
        byte[] header = [(byte)'Q', 0, 0, 0x10, 0];
        var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(header), limits, out _, out _, out _));
        Assert.Equal(PgSqlState.ProgramLimitExceeded, error.SqlState);
        Assert.Contains("Query", error.Message, StringComparison.Ordinal);
        Assert.Contains("1000", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsFatal);
    }

    [Fact]
    public void Bind_has_its_own_larger_limit()
    {
        var limits = Limits with { MaxMessageSize = 100, MaxBindMessageSize = 10_000 };
        var bytes = new TestFrontendWriter().Bind("", "", [], [new byte[1000]], []).ToArray();
        Assert.True(FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), limits, out var bind, out _, out _));
        Assert.Equal(1000, Assert.IsType<BindMessage>(bind).Parameters[0].Value.Length);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_length_below_four_is_a_protocol_violation(int length)
    {
        var bytes = new byte[] { (byte)'Q', (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length };
        var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
        Assert.Equal(PgSqlState.ProtocolViolation, error.SqlState);
    }

    [Fact]
    public void An_unknown_type_byte_is_named_in_the_error()
    {
        var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>([(byte)'!', 0, 0, 0, 4]), Limits, out _, out _, out _));
        Assert.Equal(PgSqlState.ProtocolViolation, error.SqlState);
        Assert.Contains("'!'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameter_count_over_the_limit_is_program_limit_exceeded()
    {
        var limits = Limits with { MaxParameters = 2 };
        var bytes = new TestFrontendWriter().Bind("", "", [], [[1], [2], [3]], []).ToArray();
        var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), limits, out _, out _, out _));
        Assert.Equal(PgSqlState.ProgramLimitExceeded, error.SqlState);
        Assert.Contains("parameter count", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameter_count_larger_than_the_frame_is_refused_without_allocating_for_it()
    {
        // 65535 parameters claimed in a 20-byte frame: refused before an array of 65535 is made.
        byte[] bytes = [(byte)'B', 0, 0, 0, 12, 0, 0, 0, 0, 0xff, 0xff, 0, 0];
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 65535 * 8);
        Assert.Equal(PgSqlState.ProtocolViolation, error.SqlState);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(1000)]
    public void A_parameter_length_that_lies_is_a_protocol_violation(int length)
    {
        var bytes = new TestFrontendWriter().Bind("", "", [], [[1, 2]], []).ToArray();
        var at = bytes.Length - 2 - 2 - 4;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), length);
        var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
        Assert.Equal(PgSqlState.ProtocolViolation, error.SqlState);
    }

    [Fact]
    public void Format_codes_other_than_text_and_binary_are_refused()
    {
        var bytes = new TestFrontendWriter().Bind("", "", [2], [[1]], []).ToArray();
        var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
        Assert.Contains("format code 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_codes_must_be_none_one_or_one_per_parameter()
    {
        var bytes = new TestFrontendWriter().Bind("", "", [0, 1], [[1], [2], [3]], []).ToArray();
        var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
        Assert.Contains("2 parameter format codes for 3 parameters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_character_not_in_repertoire()
    {
        var bytes = new TestFrontendWriter().Raw('Q', [(byte)'a', 0xc3, 0x28, 0]).ToArray();
        var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
        Assert.Equal(PgSqlState.CharacterNotInRepertoire, error.SqlState);
    }

    [Fact]
    public void A_string_without_terminator_or_with_trailing_bytes_is_a_protocol_violation()
    {
        foreach (byte[] body in new[] { "abc"u8.ToArray(), "abc\0x"u8.ToArray() })
        {
            var bytes = new TestFrontendWriter().Raw('Q', body).ToArray();
            var error = Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _));
            Assert.Equal(PgSqlState.ProtocolViolation, error.SqlState);
        }
    }

    [Fact]
    public void A_string_over_the_string_limit_is_refused()
    {
        var limits = Limits with { MaxStringLength = 10 };
        var bytes = new TestFrontendWriter().Query(new string('x', 11)).ToArray();
        Assert.Equal(PgSqlState.ProgramLimitExceeded, Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), limits, out _, out _, out _)).SqlState);
    }

    [Fact]
    public void Sync_with_a_body_is_refused()
    {
        var bytes = new TestFrontendWriter().Raw('S', [0]).ToArray();
        Assert.Equal(PgSqlState.ProgramLimitExceeded, Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _)).SqlState);
    }

    [Fact]
    public void Describe_of_something_other_than_statement_or_portal_is_refused()
    {
        var bytes = new TestFrontendWriter().Describe('X', "x").ToArray();
        Assert.Contains("expected 'S' (statement) or 'P' (portal)", Assert.Throws<PgProtocolException>(() => FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out _, out _, out _)).Message, StringComparison.Ordinal);
    }

    private static T Parse<T>(byte[] bytes)
        where T : FrontendMessage
    {
        Assert.True(FrontendParser.TryParse(new ReadOnlySequence<byte>(bytes), Limits, out var message, out var consumed, out _));
        Assert.Equal(bytes.Length, consumed);
        return Assert.IsType<T>(message);
    }

    private static List<FrontendMessage> ParseAll(byte[] bytes)
    {
        var messages = new List<FrontendMessage>();
        var buffer = new ReadOnlySequence<byte>(bytes);
        while (buffer.Length > 0)
        {
            Assert.True(FrontendParser.TryParse(buffer, Limits, out var message, out var consumed, out _));
            messages.Add(message);
            buffer = buffer.Slice(consumed);
        }

        return messages;
    }
}
