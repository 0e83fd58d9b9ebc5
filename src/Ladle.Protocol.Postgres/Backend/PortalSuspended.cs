using System.Buffers;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>PortalSuspended ('s'): Execute reached its row limit; the portal has more rows.</summary>
public static class PortalSuspended
{
    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> writer) => BackendWriter.WriteEmpty(writer, BackendMessageType.PortalSuspended);
}
