using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>CommandComplete ('C'): a statement finished; the tag says what it was (e.g. <c>SELECT 42</c>).</summary>
public static class CommandComplete
{
    /// <summary>Writes the message with <paramref name="tag"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, string tag)
    {
        var body = BackendWriter.CStringLength(tag);
        var span = BackendWriter.Begin(writer, BackendMessageType.CommandComplete, body);
        BackendWriter.WriteCString(span[BackendWriter.HeaderSize..], tag);
        BackendWriter.End(writer, body);
    }

    /// <summary>Writes <c>SELECT n</c> without building a string.</summary>
    public static void WriteSelect(IBufferWriter<byte> writer, long rows)
    {
        Span<byte> tag = stackalloc byte[32];
        "SELECT "u8.CopyTo(tag);
        rows.TryFormat(tag[7..], out var digits, provider: System.Globalization.CultureInfo.InvariantCulture);
        var body = 7 + digits + 1;
        var span = BackendWriter.Begin(writer, BackendMessageType.CommandComplete, body);
        tag[..(7 + digits)].CopyTo(span[BackendWriter.HeaderSize..]);
        span[BackendWriter.HeaderSize + 7 + digits] = 0;
        BackendWriter.End(writer, body);
    }
}
