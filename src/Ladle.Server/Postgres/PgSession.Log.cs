using Microsoft.Extensions.Logging;

namespace Ladle.Server.Postgres;

/// <summary>What a wire session logs (event ids 2650–2669).</summary>
internal static partial class PgSessionLog
{
    [LoggerMessage(2650, LogLevel.Error, "A statement of PostgreSQL wire session for {User} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, Exception error, string user);

    [LoggerMessage(2651, LogLevel.Information, "PostgreSQL wire session for {User} ended on a protocol error {SqlState}: {Reason}")]
    public static partial void ProtocolError(ILogger logger, string user, string sqlState, string reason);
}
