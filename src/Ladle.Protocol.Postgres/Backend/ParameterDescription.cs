using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>ParameterDescription ('t'): the type OIDs of a prepared statement's parameters.</summary>
public static class ParameterDescription
{
    /// <summary>Writes the message for <paramref name="typeOids"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<uint> typeOids)
    {
        if (typeOids.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"A statement has at most {ushort.MaxValue} parameters; got {typeOids.Length}.", nameof(typeOids));
        }

        var body = 2 + (4 * typeOids.Length);
        var span = BackendWriter.Begin(writer, BackendMessageType.ParameterDescription, body);
        var at = BackendWriter.HeaderSize + BackendWriter.WriteInt16(span[BackendWriter.HeaderSize..], unchecked((short)typeOids.Length));
        foreach (var oid in typeOids)
        {
            at += BackendWriter.WriteInt32(span[at..], (int)oid);
        }

        BackendWriter.End(writer, body);
    }
}
