namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>SSLRequest: the client asks for TLS before the start-up message; the server answers one byte 'S' or 'N'.</summary>
public sealed class SslRequest : StartupPacket
{
    /// <summary>The one instance: the packet has no fields.</summary>
    public static SslRequest Instance { get; } = new();
}
