using System.Buffers.Binary;

namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>
/// The 'p' message. Its meaning depends on the authentication step the server is in: a PasswordMessage (cleartext
/// password), a SASLInitialResponse (mechanism + initial data) or a SASLResponse (raw SASL data). The parser keeps
/// the raw payload; the server reads it with the helper for the step it is in.
/// </summary>
public sealed class PasswordMessage(ReadOnlyMemory<byte> payload) : FrontendMessage
{
    public override FrontendMessageType Type => FrontendMessageType.Password;

    /// <summary>The message body as sent.</summary>
    public ReadOnlyMemory<byte> Payload { get; } = payload;

    /// <summary>Reads the payload as a PasswordMessage: one null-terminated UTF-8 string.</summary>
    public string ReadCleartextPassword()
    {
        var span = Payload.Span;
        var end = span.IndexOf((byte)0);
        if (end < 0 || end != span.Length - 1)
        {
            PgProtocolException.ThrowViolation("PasswordMessage: the password must be one null-terminated string filling the message");
        }

        return FrontendParser.DecodeUtf8(span[..end], "PasswordMessage password");
    }

    /// <summary>Reads the payload as a SASLInitialResponse: the mechanism name and the client's initial data (null when the client sent length -1).</summary>
    public SaslInitialResponse ReadSaslInitialResponse()
    {
        var span = Payload.Span;
        var end = span.IndexOf((byte)0);
        if (end < 0)
        {
            PgProtocolException.ThrowViolation("SASLInitialResponse: the mechanism name has no terminator");
        }

        var mechanism = FrontendParser.DecodeUtf8(span[..end], "SASLInitialResponse mechanism");
        var rest = span[(end + 1)..];
        if (rest.Length < 4)
        {
            PgProtocolException.ThrowViolation("SASLInitialResponse: the message ends before the length of the initial response");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(rest);
        rest = rest[4..];
        if (length == -1)
        {
            if (rest.Length != 0)
            {
                PgProtocolException.ThrowViolation("SASLInitialResponse: bytes follow an initial response of length -1");
            }

            return new SaslInitialResponse(mechanism, null);
        }

        if (length < 0 || length != rest.Length)
        {
            PgProtocolException.ThrowViolation($"SASLInitialResponse: the initial response claims {length} bytes but {rest.Length} follow");
        }

        return new SaslInitialResponse(mechanism, Payload.Slice(Payload.Length - rest.Length));
    }

    /// <summary>Reads the payload as a SASLResponse: the payload is the SASL data itself.</summary>
    public ReadOnlyMemory<byte> ReadSaslResponse() => Payload;
}

/// <summary>A SASLInitialResponse: the mechanism the client chose and its first message (null if none was sent).</summary>
public readonly record struct SaslInitialResponse(string Mechanism, ReadOnlyMemory<byte>? Data);
