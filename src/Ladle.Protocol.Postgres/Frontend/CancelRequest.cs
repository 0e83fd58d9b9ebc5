namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>CancelRequest: sent on a new connection, names the backend (process id + secret key from BackendKeyData) whose query to cancel.</summary>
public sealed class CancelRequest(int processId, int secretKey) : StartupPacket
{
    /// <summary>The process id the server sent in BackendKeyData.</summary>
    public int ProcessId { get; } = processId;

    /// <summary>The secret key the server sent in BackendKeyData.</summary>
    public int SecretKey { get; } = secretKey;
}
