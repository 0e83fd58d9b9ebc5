using System.Text;

namespace Ladle.Engine.Features;

/// <summary>
/// An <see cref="OnlineEntry"/> as bytes for a shared store: its rows' times and rank, and each value with a tag for
/// its type, so a value reads back as the same .NET type the store gave (a decimal stays a decimal, a date a date).
/// </summary>
public static class OnlineEntryCodec
{
    private const byte Format = 1;

    private enum Tag : byte
    {
        Null, Int64, Double, String, Boolean, Decimal, DateTime, DateOnly, Int32, Single, DateTimeOffset, TimeSpan, Int16, Byte,
    }

    public static byte[] Encode(OnlineEntry entry)
    {
        using var buffer = new MemoryStream(64 + entry.Rows.Length * 64);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Format);
            writer.Write7BitEncodedInt(entry.Rows.Length);
            foreach (var row in entry.Rows)
            {
                writer.Write(row.Event.Ticks);
                writer.Write(row.Created.Ticks);
                writer.Write7BitEncodedInt64(row.Rank);
                writer.Write7BitEncodedInt(row.Values.Length);
                foreach (var value in row.Values) WriteValue(writer, value);
            }
        }
        return buffer.ToArray();
    }

    public static OnlineEntry Decode(ReadOnlyMemory<byte> bytes)
    {
        // Read in place: an entry is decoded for every lookup that asks for it, so its bytes are not copied first.
        var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var format = reader.ReadByte();
        if (format != Format) throw new InvalidDataException($"an online entry of format {format} (this Ladle reads format {Format}); rebuild the online store");
        var rows = new OnlineRow[reader.Read7BitEncodedInt()];
        for (var r = 0; r < rows.Length; r++)
        {
            var at = new DateTime(reader.ReadInt64(), DateTimeKind.Unspecified);
            var created = new DateTime(reader.ReadInt64(), DateTimeKind.Unspecified);
            var rank = reader.Read7BitEncodedInt64();
            var values = new object?[reader.Read7BitEncodedInt()];
            for (var i = 0; i < values.Length; i++) values[i] = ReadValue(reader);
            rows[r] = new OnlineRow(at, created, rank, values);
        }
        return new OnlineEntry(rows);
    }

    private static void WriteValue(BinaryWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.Write((byte)Tag.Null); break;
            case long l: writer.Write((byte)Tag.Int64); writer.Write(l); break;
            case int i: writer.Write((byte)Tag.Int32); writer.Write(i); break;
            case short s: writer.Write((byte)Tag.Int16); writer.Write(s); break;
            case byte b: writer.Write((byte)Tag.Byte); writer.Write(b); break;
            case double d: writer.Write((byte)Tag.Double); writer.Write(d); break;
            case float f: writer.Write((byte)Tag.Single); writer.Write(f); break;
            case string s: writer.Write((byte)Tag.String); writer.Write(s); break;
            case bool b: writer.Write((byte)Tag.Boolean); writer.Write(b); break;
            case decimal m: writer.Write((byte)Tag.Decimal); writer.Write(m); break;
            case DateTime t: writer.Write((byte)Tag.DateTime); writer.Write(t.Ticks); break;
            case DateOnly d: writer.Write((byte)Tag.DateOnly); writer.Write(d.DayNumber); break;
            case DateTimeOffset t: writer.Write((byte)Tag.DateTimeOffset); writer.Write(t.UtcTicks); break;
            case TimeSpan t: writer.Write((byte)Tag.TimeSpan); writer.Write(t.Ticks); break;
            // Anything else (a huge integer, a UUID) is served as its text, which is how JSON answers it too.
            case IFormattable f: writer.Write((byte)Tag.String); writer.Write(f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)); break;
            default: writer.Write((byte)Tag.String); writer.Write(value.ToString() ?? ""); break;
        }
    }

    private static object? ReadValue(BinaryReader reader) => (Tag)reader.ReadByte() switch
    {
        Tag.Null => null,
        Tag.Int64 => reader.ReadInt64(),
        Tag.Int32 => reader.ReadInt32(),
        Tag.Int16 => reader.ReadInt16(),
        Tag.Byte => reader.ReadByte(),
        Tag.Double => reader.ReadDouble(),
        Tag.Single => reader.ReadSingle(),
        Tag.String => reader.ReadString(),
        Tag.Boolean => reader.ReadBoolean(),
        Tag.Decimal => reader.ReadDecimal(),
        Tag.DateTime => new DateTime(reader.ReadInt64(), DateTimeKind.Unspecified),
        Tag.DateOnly => DateOnly.FromDayNumber(reader.ReadInt32()),
        Tag.DateTimeOffset => new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero),
        Tag.TimeSpan => new TimeSpan(reader.ReadInt64()),
        var tag => throw new InvalidDataException($"an online entry holds a value of unknown tag {(byte)tag}; rebuild the online store"),
    };
}
