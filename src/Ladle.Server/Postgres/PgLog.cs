using Microsoft.Extensions.Logging;

namespace Ladle.Server.Postgres;

/// <summary>The wire protocol's log messages (event ids 2300–2349).</summary>
internal static partial class PgLog
{
    [LoggerMessage(2300, LogLevel.Debug, "PostgreSQL connection from {Remote} ended: {Reason}")]
    public static partial void ConnectionEnded(ILogger logger, string? remote, string reason);

    [LoggerMessage(2301, LogLevel.Information, "PostgreSQL connection from {Remote} refused: {SqlState} {Reason}")]
    public static partial void Refused(ILogger logger, string? remote, string sqlState, string reason);

    [LoggerMessage(2302, LogLevel.Warning, "PostgreSQL authentication failed for user {User} from {Remote}")]
    public static partial void AuthenticationFailed(ILogger logger, string user, string? remote);

    [LoggerMessage(2303, LogLevel.Error, "PostgreSQL session of {User} from {Remote} failed unexpectedly")]
    public static partial void SessionFailed(ILogger logger, Exception exception, string user, string? remote);

    [LoggerMessage(2304, LogLevel.Warning, "Token {TokenId} has a SCRAM verifier that cannot be read ({Reason}); it cannot sign in over the wire protocol")]
    public static partial void BadVerifier(ILogger logger, string tokenId, string reason);

    [LoggerMessage(2305, LogLevel.Debug, "PostgreSQL TLS handshake with {Remote} failed: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, string? remote, string reason);
}
