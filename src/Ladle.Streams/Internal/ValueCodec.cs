namespace Ladle.Streams.Internal;

/// <summary>The values an event's columns take (string, integer, double, decimal, boolean, date, timestamp), written to and read from a snapshot.</summary>
internal static class ValueCodec
{
    public static void WriteRow(BinaryWriter writer, object?[] values)
    {
        writer.Write(values.Length);
        foreach (var value in values) Write(writer, value);
    }

    public static object?[] ReadRow(BinaryReader reader)
    {
        var values = new object?[reader.ReadInt32()];
        for (var i = 0; i < values.Length; i++) values[i] = Read(reader);
        return values;
    }

    private static void Write(BinaryWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.Write((byte)0); break;
            case string s: writer.Write((byte)1); writer.Write(s); break;
            case long l: writer.Write((byte)2); writer.Write(l); break;
            case double d: writer.Write((byte)3); writer.Write(d); break;
            case decimal m: writer.Write((byte)4); writer.Write(m); break;
            case bool b: writer.Write((byte)5); writer.Write(b); break;
            case DateTime t: writer.Write((byte)6); writer.Write(t.Ticks); break;
            case DateOnly d: writer.Write((byte)7); writer.Write(d.DayNumber); break;
            default: throw new InvalidOperationException($"a stream value of type {value.GetType().Name} has no snapshot form");
        }
    }

    private static object? Read(BinaryReader reader) => reader.ReadByte() switch
    {
        0 => null,
        1 => reader.ReadString(),
        2 => reader.ReadInt64(),
        3 => reader.ReadDouble(),
        4 => reader.ReadDecimal(),
        5 => reader.ReadBoolean(),
        6 => new DateTime(reader.ReadInt64(), DateTimeKind.Utc),
        7 => DateOnly.FromDayNumber(reader.ReadInt32()),
        var tag => throw new InvalidDataException($"unknown value tag {tag} in a stream snapshot"),
    };
}
