using System.Buffers;
using System.Text;
using Ladle.Protocol.Postgres.Backend;
using Ladle.Protocol.Postgres.Tests.Support;
using Ladle.Protocol.Postgres.Types;

namespace Ladle.Protocol.Postgres.Tests;

public sealed class BackendMessageTests
{
    [Fact]
    public void Start_up_reply_coalesces_into_one_buffer_and_reads_back()
    {
        var output = new ArrayBufferWriter<byte>();
        AuthenticationSasl.Write(output, ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]);
        AuthenticationSaslContinue.Write(output, "r=abc,s=c2FsdA==,i=4096"u8);
        AuthenticationSaslFinal.Write(output, "v=xyz"u8);
        AuthenticationOk.Write(output);
        AuthenticationCleartextPassword.Write(output);
        ParameterStatus.Write(output, "server_version", "15.8");
        BackendKeyData.Write(output, 42, -7);
        NegotiateProtocolVersion.Write(output, 0, ["_pq_.something"]);
        ReadyForQuery.Write(output, TransactionStatus.Idle);

        var reader = new TestBackendReader(output.WrittenSpan.ToArray());
        var (type, body) = reader.Next();
        Assert.Equal(('R', 10), (type, body.Int32()));
        Assert.Equal(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", ""], new[] { body.CString(), body.CString(), body.CString() });
        body.End();
        (type, body) = reader.Next();
        Assert.Equal(('R', 11), (type, body.Int32()));
        Assert.Equal("r=abc,s=c2FsdA==,i=4096", Encoding.UTF8.GetString(body.Rest()));
        (type, body) = reader.Next();
        Assert.Equal(('R', 12), (type, body.Int32()));
        Assert.Equal("v=xyz", Encoding.UTF8.GetString(body.Rest()));
        (type, body) = reader.Next();
        Assert.Equal(('R', 0), (type, body.Int32()));
        body.End();
        (type, body) = reader.Next();
        Assert.Equal(('R', 3), (type, body.Int32()));
        (type, body) = reader.Next();
        Assert.Equal(('S', "server_version", "15.8"), (type, body.CString(), body.CString()));
        (type, body) = reader.Next();
        Assert.Equal(('K', 42, -7), (type, body.Int32(), body.Int32()));
        (type, body) = reader.Next();
        Assert.Equal(('v', 0, 1, "_pq_.something"), (type, body.Int32(), body.Int32(), body.CString()));
        (type, body) = reader.Next();
        Assert.Equal(('Z', (byte)'I'), (type, body.Byte()));
        Assert.True(reader.AtEnd);
    }

    [Fact]
    public void Row_description_and_data_rows_read_back_with_nulls_text_and_binary()
    {
        var output = new ArrayBufferWriter<byte>();
        RowDescription.Write(output, [
            new FieldDescription("id", 16384, 1, (uint)PgTypeOid.Int4, 4, -1, PgFormatCode.Binary),
            PgTypes.Field("naïve name", PgTypeOid.Text, PgFormatCode.Text),
        ]);
        using var row = new DataRowWriter();
        row.BeginRow(2);
        row.BeginValue();
        Int4Codec.WriteBinary(row, 7);
        row.EndValue();
        row.WriteNull();
        row.EndRow(output);
        row.BeginRow(2);
        row.WriteValue([0, 0, 0, 8]);
        row.BeginValue();
        TextCodec.Write(row, new string('é', 5000));
        row.EndValue();
        row.EndRow(output);
        CommandComplete.WriteSelect(output, 2);

        var reader = new TestBackendReader(output.WrittenSpan.ToArray());
        var (type, body) = reader.Next();
        Assert.Equal(('T', 2), (type, body.Int16()));
        Assert.Equal(("id", 16384, (short)1, 23, (short)4, -1, (short)1), (body.CString(), body.Int32(), body.Int16(), body.Int32(), body.Int16(), body.Int32(), body.Int16()));
        Assert.Equal(("naïve name", 0, (short)0, 25, (short)-1, -1, (short)0), (body.CString(), body.Int32(), body.Int16(), body.Int32(), body.Int16(), body.Int32(), body.Int16()));
        body.End();
        (type, body) = reader.Next();
        Assert.Equal(('D', 2, 4), (type, body.Int16(), body.Int32()));
        Assert.Equal([0, 0, 0, 7], body.Bytes(4));
        Assert.Equal(-1, body.Int32());
        body.End();
        (type, body) = reader.Next();
        Assert.Equal(('D', 2, 4), (type, body.Int16(), body.Int32()));
        Assert.Equal([0, 0, 0, 8], body.Bytes(4));
        var length = body.Int32();
        Assert.Equal(new string('é', 5000), Encoding.UTF8.GetString(body.Bytes(length)));
        body.End();
        (type, body) = reader.Next();
        Assert.Equal(('C', "SELECT 2"), (type, body.CString()));
        Assert.True(reader.AtEnd);
    }

    [Fact]
    public void A_row_with_fewer_values_than_columns_is_a_programming_error()
    {
        using var row = new DataRowWriter();
        row.BeginRow(2);
        row.WriteNull();
        Assert.Throws<InvalidOperationException>(() => row.EndRow(new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void Error_and_notice_carry_severity_sqlstate_message_detail_hint_and_position()
    {
        var output = new ArrayBufferWriter<byte>();
        ErrorResponse.Write(output, new PgErrorFields("ERROR", "42P01", "relation \"x\" does not exist", "detail", "hint", 15));
        NoticeResponse.Write(output, new PgErrorFields("NOTICE", "01000", "dataset orders is stale"));

        var reader = new TestBackendReader(output.WrittenSpan.ToArray());
        var (type, body) = reader.Next();
        Assert.Equal('E', type);
        Assert.Equal(
            new Dictionary<char, string> { ['S'] = "ERROR", ['V'] = "ERROR", ['C'] = "42P01", ['M'] = "relation \"x\" does not exist", ['D'] = "detail", ['H'] = "hint", ['P'] = "15" },
            Fields(body));
        (type, body) = reader.Next();
        Assert.Equal('N', type);
        Assert.Equal(new Dictionary<char, string> { ['S'] = "NOTICE", ['V'] = "NOTICE", ['C'] = "01000", ['M'] = "dataset orders is stale" }, Fields(body));
    }

    [Fact]
    public void Extended_query_and_copy_replies_read_back()
    {
        var output = new ArrayBufferWriter<byte>();
        ParseComplete.Write(output);
        BindComplete.Write(output);
        CloseComplete.Write(output);
        NoData.Write(output);
        PortalSuspended.Write(output);
        EmptyQueryResponse.Write(output);
        ParameterDescription.Write(output, [23, 25]);
        CopyOutResponse.Write(output, PgFormatCode.Text, [PgFormatCode.Text, PgFormatCode.Text]);
        CopyData.Write(output, "1\tx\n"u8);
        CopyDone.Write(output);
        CommandComplete.Write(output, "COPY 1");
        EncryptionResponse.WriteDecline(output);
        EncryptionResponse.WriteAccept(output);

        var reader = new TestBackendReader(output.WrittenSpan.ToArray());
        foreach (var expected in "123nsI")
        {
            var (type, body) = reader.Next();
            Assert.Equal(expected, type);
            body.End();
        }

        var (t, b) = reader.Next();
        Assert.Equal(('t', 2, 23, 25), (t, b.Int16(), b.Int32(), b.Int32()));
        (t, b) = reader.Next();
        Assert.Equal(('H', (byte)0, 2, 0, 0), (t, b.Byte(), b.Int16(), b.Int16(), b.Int16()));
        (t, b) = reader.Next();
        Assert.Equal(('d', "1\tx\n"), (t, Encoding.UTF8.GetString(b.Rest())));
        (t, _) = reader.Next();
        Assert.Equal('c', t);
        (t, b) = reader.Next();
        Assert.Equal(('C', "COPY 1"), (t, b.CString()));
        Assert.Equal((byte)'N', reader.NextRawByte());
        Assert.Equal((byte)'S', reader.NextRawByte());
        Assert.True(reader.AtEnd);
    }

    [Fact]
    public void A_string_with_a_nul_cannot_be_written()
    {
        Assert.Throws<ArgumentException>(() => CommandComplete.Write(new ArrayBufferWriter<byte>(), "SELECT\01"));
    }

    private static Dictionary<char, string> Fields(TestBackendReader.BodyReader body)
    {
        var fields = new Dictionary<char, string>();
        while (true)
        {
            var code = body.Byte();
            if (code == 0)
            {
                body.End();
                return fields;
            }

            fields[(char)code] = body.CString();
        }
    }
}
