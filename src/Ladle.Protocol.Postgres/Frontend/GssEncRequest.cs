namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>GSSENCRequest: the client asks for GSSAPI encryption; Ladle answers 'N'.</summary>
public sealed class GssEncRequest : StartupPacket
{
    /// <summary>The one instance: the packet has no fields.</summary>
    public static GssEncRequest Instance { get; } = new();
}
