using System.Buffers.Binary;

namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>
/// Reads one message body that is entirely present. Every read checks the bytes are there, so a length or count
/// field that lies makes a protocol violation naming the message and the field, never an out-of-range read.
/// </summary>
internal ref struct MessageBodyReader(ReadOnlySpan<byte> body, string message, int maxStringLength)
{
    private readonly ReadOnlySpan<byte> _body = body;
    private int _position;

    public readonly int Position => _position;

    public readonly int Remaining => _body.Length - _position;

    public byte ReadByte(string field)
    {
        Need(1, field);
        return _body[_position++];
    }

    public short ReadInt16(string field)
    {
        Need(2, field);
        var value = BinaryPrimitives.ReadInt16BigEndian(_body[_position..]);
        _position += 2;
        return value;
    }

    public int ReadInt32(string field)
    {
        Need(4, field);
        var value = BinaryPrimitives.ReadInt32BigEndian(_body[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int length, string field)
    {
        Need(length, field);
        var bytes = _body.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public string ReadCString(string field)
    {
        var rest = _body[_position..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            PgProtocolException.ThrowViolation($"{message}: field '{field}' has no null terminator before the end of the message");
        }

        if (end > maxStringLength)
        {
            PgProtocolException.ThrowLimit($"{message}: field '{field}' is {end} bytes, over the limit of {maxStringLength}");
        }

        _position += end + 1;
        return FrontendParser.DecodeUtf8(rest[..end], $"{message} field '{field}'");
    }

    /// <summary>Checks that <paramref name="count"/> items of at least <paramref name="minItemSize"/> bytes can fit in what is left, before an array for them is allocated.</summary>
    public readonly void CheckCount(int count, int minItemSize, int limit, string field)
    {
        if (count < 0)
        {
            PgProtocolException.ThrowViolation($"{message}: '{field}' is negative ({count})");
        }

        if (count > limit)
        {
            PgProtocolException.ThrowLimit($"{message}: '{field}' is {count}, over the limit of {limit}");
        }

        if ((long)count * minItemSize > Remaining)
        {
            PgProtocolException.ThrowViolation($"{message}: '{field}' claims {count} items but only {Remaining} bytes are left in the message");
        }
    }

    public readonly void EnsureEnd()
    {
        if (_position != _body.Length)
        {
            PgProtocolException.ThrowViolation($"{message}: {_body.Length - _position} unexpected bytes after the last field");
        }
    }

    private readonly void Need(int length, string field)
    {
        if (length < 0 || length > _body.Length - _position)
        {
            PgProtocolException.ThrowViolation($"{message}: the message ends inside field '{field}'");
        }
    }
}
