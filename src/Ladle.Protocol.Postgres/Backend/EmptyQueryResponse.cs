using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>EmptyQueryResponse ('I'): the query string was empty.</summary>
public static class EmptyQueryResponse
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer) => BackendWriter.WriteEmpty(writer, BackendMessageType.EmptyQueryResponse);
}
