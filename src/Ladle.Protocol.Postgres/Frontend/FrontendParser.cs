using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>
/// Parses typed front-end messages (a type byte, an Int32 length that counts itself, the body).
/// <para>The contract, for every parse function of this codec:</para>
/// <list type="bullet">
/// <item>returns false with <c>needed</c> = how many bytes the buffer must hold before a retry can progress, when
/// the frame is incomplete (nothing is consumed);</item>
/// <item>returns true with the message and <c>consumed</c> = the frame's length, when a frame is complete;</item>
/// <item>throws <see cref="PgProtocolException"/> with a SQLSTATE when the frame is malformed or over a limit. A
/// claimed length is checked against the limits from the header alone, so an oversized frame is refused before its
/// bytes are waited for, and nothing is allocated in proportion to a length until those bytes are present.</item>
/// </list>
/// </summary>
public static class FrontendParser
{
    private const int HeaderSize = 5;

    /// <summary>Tries to parse one typed message from the start of <paramref name="buffer"/>.</summary>
    public static bool TryParse(
        in ReadOnlySequence<byte> buffer,
        PgProtocolLimits limits,
        [NotNullWhen(true)] out FrontendMessage? message,
        out int consumed,
        out int needed)
    {
        message = null;
        consumed = 0;
        if (buffer.Length < HeaderSize)
        {
            needed = HeaderSize;
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var type = (FrontendMessageType)header[0];
        var length = BinaryPrimitives.ReadInt32BigEndian(header[1..]);
        var max = MaxLength(type, limits);
        if (length < 4)
        {
            PgProtocolException.ThrowViolation($"{Name(type)}: invalid message length {length} (it counts itself, so it is at least 4)");
        }

        if (length > max)
        {
            PgProtocolException.ThrowLimit($"{Name(type)}: message length {length} is over the limit of {max} bytes");
        }

        var frame = 1 + length;
        if (buffer.Length < frame)
        {
            needed = frame;
            return false;
        }

        needed = 0;
        var bodySequence = buffer.Slice(HeaderSize, length - 4);
        if (bodySequence.IsSingleSegment)
        {
            message = ParseBody(type, bodySequence.FirstSpan, limits);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent((int)bodySequence.Length);
            try
            {
                bodySequence.CopyTo(rented);
                message = ParseBody(type, rented.AsSpan(0, (int)bodySequence.Length), limits);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        consumed = frame;
        return true;
    }

    /// <summary>Decodes strict UTF-8, refusing invalid sequences with 22021 as PostgreSQL does.</summary>
    internal static string DecodeUtf8(ReadOnlySpan<byte> bytes, string where)
    {
        if (!Utf8.IsValid(bytes))
        {
            PgProtocolException.Throw(PgSqlState.CharacterNotInRepertoire, $"{where}: invalid byte sequence for encoding \"UTF8\"");
        }

        return bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);
    }

    private static int MaxLength(FrontendMessageType type, PgProtocolLimits limits) => type switch
    {
        FrontendMessageType.Bind => limits.MaxBindMessageSize,
        FrontendMessageType.Sync or FrontendMessageType.Flush or FrontendMessageType.Terminate or FrontendMessageType.CopyDone => 4,
        FrontendMessageType.Query or FrontendMessageType.Parse or FrontendMessageType.Describe or FrontendMessageType.Close
            or FrontendMessageType.Execute or FrontendMessageType.Password or FrontendMessageType.CopyData
            or FrontendMessageType.CopyFail => limits.MaxMessageSize,
        _ => ThrowUnknown(type),
    };

    [DoesNotReturn]
    private static int ThrowUnknown(FrontendMessageType type)
    {
        var b = (byte)type;
        var shown = b is >= 0x21 and <= 0x7e ? $"'{(char)b}'" : $"0x{b:x2}";
        throw new PgProtocolException(PgSqlState.ProtocolViolation, $"invalid frontend message type {shown}");
    }

    private static string Name(FrontendMessageType type) => type switch
    {
        FrontendMessageType.Bind => "Bind",
        FrontendMessageType.Close => "Close",
        FrontendMessageType.CopyData => "CopyData",
        FrontendMessageType.CopyDone => "CopyDone",
        FrontendMessageType.CopyFail => "CopyFail",
        FrontendMessageType.Describe => "Describe",
        FrontendMessageType.Execute => "Execute",
        FrontendMessageType.Flush => "Flush",
        FrontendMessageType.Parse => "Parse",
        FrontendMessageType.Password => "PasswordMessage",
        FrontendMessageType.Query => "Query",
        FrontendMessageType.Sync => "Sync",
        FrontendMessageType.Terminate => "Terminate",
        _ => "message",
    };

    private static FrontendMessage ParseBody(FrontendMessageType type, ReadOnlySpan<byte> body, PgProtocolLimits limits)
    {
        var reader = new MessageBodyReader(body, Name(type), limits.MaxStringLength);
        FrontendMessage message = type switch
        {
            FrontendMessageType.Query => new QueryMessage(reader.ReadCString("query")),
            FrontendMessageType.Parse => ParseParse(ref reader, limits),
            FrontendMessageType.Bind => ParseBind(ref reader, body, limits),
            FrontendMessageType.Describe => new DescribeMessage(ReadTarget(ref reader), reader.ReadCString("name")),
            FrontendMessageType.Close => new CloseMessage(ReadTarget(ref reader), reader.ReadCString("name")),
            FrontendMessageType.Execute => new ExecuteMessage(reader.ReadCString("portal"), reader.ReadInt32("max rows")),
            FrontendMessageType.Sync => SyncMessage.Instance,
            FrontendMessageType.Flush => FlushMessage.Instance,
            FrontendMessageType.Terminate => TerminateMessage.Instance,
            FrontendMessageType.CopyDone => CopyDoneMessage.Instance,
            FrontendMessageType.Password => new PasswordMessage(reader.ReadBytes(reader.Remaining, "payload").ToArray()),
            FrontendMessageType.CopyData => new CopyDataMessage(reader.ReadBytes(reader.Remaining, "data").ToArray()),
            FrontendMessageType.CopyFail => new CopyFailMessage(reader.ReadCString("reason")),
            _ => ThrowUnknownMessage(type),
        };
        reader.EnsureEnd();
        return message;
    }

    [DoesNotReturn]
    private static FrontendMessage ThrowUnknownMessage(FrontendMessageType type)
    {
        ThrowUnknown(type);
        return null;
    }

    private static TargetKind ReadTarget(ref MessageBodyReader reader)
    {
        var target = (TargetKind)reader.ReadByte("target");
        if (target is not (TargetKind.Statement or TargetKind.Portal))
        {
            PgProtocolException.ThrowViolation($"invalid target 0x{(byte)target:x2}: expected 'S' (statement) or 'P' (portal)");
        }

        return target;
    }

    private static ParseMessage ParseParse(ref MessageBodyReader reader, PgProtocolLimits limits)
    {
        var name = reader.ReadCString("statement name");
        var sql = reader.ReadCString("query");
        var count = (ushort)reader.ReadInt16("parameter type count");
        reader.CheckCount(count, 4, limits.MaxParameters, "parameter type count");
        var oids = count == 0 ? [] : new uint[count];
        for (var i = 0; i < oids.Length; i++)
        {
            oids[i] = (uint)reader.ReadInt32("parameter type");
        }

        return new ParseMessage(name, sql, oids);
    }

    private static BindMessage ParseBind(ref MessageBodyReader reader, ReadOnlySpan<byte> body, PgProtocolLimits limits)
    {
        var portal = reader.ReadCString("portal name");
        var statement = reader.ReadCString("statement name");
        var parameterFormats = ReadFormats(ref reader, limits, "parameter format code count");
        var count = (ushort)reader.ReadInt16("parameter count");
        reader.CheckCount(count, 4, limits.MaxParameters, "parameter count");
        if (parameterFormats.Length > 1 && parameterFormats.Length != count)
        {
            PgProtocolException.ThrowViolation($"Bind: {parameterFormats.Length} parameter format codes for {count} parameters (send 0, 1 or one per parameter)");
        }

        BindParameter[] parameters = count == 0 ? [] : new BindParameter[count];
        byte[]? owned = null;
        for (var i = 0; i < parameters.Length; i++)
        {
            var length = reader.ReadInt32("parameter length");
            if (length == -1)
            {
                parameters[i] = BindParameter.Null;
                continue;
            }

            if (length < -1)
            {
                PgProtocolException.ThrowViolation($"Bind: parameter {i + 1} has invalid length {length}");
            }

            var start = reader.Position;
            reader.ReadBytes(length, "parameter value");

            // One copy of the body backs every value: the caller's buffer is released after consumed is advanced.
            owned ??= body.ToArray();
            parameters[i] = new BindParameter(owned.AsMemory(start, length), isNull: false);
        }

        var resultFormats = ReadFormats(ref reader, limits, "result format code count");
        return new BindMessage(portal, statement, parameterFormats, parameters, resultFormats);
    }

    private static PgFormatCode[] ReadFormats(ref MessageBodyReader reader, PgProtocolLimits limits, string field)
    {
        var count = (ushort)reader.ReadInt16(field);
        reader.CheckCount(count, 2, Math.Max(limits.MaxParameters, 1), field);
        if (count == 0)
        {
            return [];
        }

        var formats = new PgFormatCode[count];
        for (var i = 0; i < formats.Length; i++)
        {
            var code = reader.ReadInt16("format code");
            if (code is not (0 or 1))
            {
                PgProtocolException.ThrowViolation($"Bind: unsupported format code {code} at position {i + 1} (0 = text, 1 = binary)");
            }

            formats[i] = (PgFormatCode)code;
        }

        return formats;
    }
}
