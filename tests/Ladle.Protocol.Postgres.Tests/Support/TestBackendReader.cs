using System.Buffers.Binary;
using System.Text;

namespace Ladle.Protocol.Postgres.Tests.Support;

/// <summary>The test side's own reader of back-end frames, written from the protocol documentation, not from the codec.</summary>
internal sealed class TestBackendReader(byte[] bytes)
{
    private int _position;

    public bool AtEnd => _position == bytes.Length;

    /// <summary>Reads one frame: its type and body; checks the length word matches.</summary>
    public (char Type, BodyReader Body) Next()
    {
        var type = (char)bytes[_position];
        var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(_position + 1));
        Assert.True(length >= 4 && _position + 1 + length <= bytes.Length, $"frame '{type}' claims {length} bytes");
        var body = bytes.AsSpan(_position + 5, length - 4).ToArray();
        _position += 1 + length;
        return (type, new BodyReader(body));
    }

    public byte NextRawByte() => bytes[_position++];

    internal sealed class BodyReader(byte[] body)
    {
        private int _at;

        public int Remaining => body.Length - _at;

        public byte Byte() => body[_at++];

        public short Int16()
        {
            var v = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(_at));
            _at += 2;
            return v;
        }

        public int Int32()
        {
            var v = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(_at));
            _at += 4;
            return v;
        }

        public string CString()
        {
            var end = Array.IndexOf(body, (byte)0, _at);
            Assert.True(end >= 0, "string without terminator");
            var s = Encoding.UTF8.GetString(body, _at, end - _at);
            _at = end + 1;
            return s;
        }

        public byte[] Bytes(int n)
        {
            var b = body.AsSpan(_at, n).ToArray();
            _at += n;
            return b;
        }

        public byte[] Rest() => Bytes(Remaining);

        public void End() => Assert.Equal(0, Remaining);
    }
}
