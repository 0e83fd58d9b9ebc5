using System.Buffers;
using System.Text;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>text (OID 25) and varchar (OID 1043): UTF-8 in both formats (textsend is the text itself).</summary>
public static class TextCodec
{
    private const string Type = "text";

    /// <summary>Writes the string as UTF-8 (text and binary are the same bytes).</summary>
    public static void Write(IBufferWriter<byte> writer, string value) => Encoding.UTF8.GetBytes(value, writer);

    /// <summary>Reads strict UTF-8 without NUL; anything else is 22021 as in PostgreSQL.</summary>
    public static string Read(ReadOnlySpan<byte> value) => Utf8Text.Decode(value, Type);
}
