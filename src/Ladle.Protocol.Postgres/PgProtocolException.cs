using System.Diagnostics.CodeAnalysis;

namespace Ladle.Protocol.Postgres;

/// <summary>
/// Malformed or over-limit protocol input. Carries the SQLSTATE the server puts in its ErrorResponse, and whether the
/// connection can go on: a broken frame ends the session (<see cref="IsFatal"/>), a bad value in a well-formed frame
/// (a parameter that does not decode) gets an error reply and the session lives.
/// </summary>
public sealed class PgProtocolException : Exception
{
    public PgProtocolException(string sqlState, string message, bool isFatal = true)
        : base(message)
    {
        SqlState = sqlState;
        IsFatal = isFatal;
    }

    /// <summary>The five-character SQLSTATE, e.g. 08P01 protocol_violation.</summary>
    public string SqlState { get; }

    /// <summary>True when the byte stream can no longer be trusted and the connection must be closed.</summary>
    public bool IsFatal { get; }

    [DoesNotReturn]
    internal static void Throw(string sqlState, string message) => throw new PgProtocolException(sqlState, message);

    [DoesNotReturn]
    internal static void ThrowViolation(string message) => throw new PgProtocolException(PgSqlState.ProtocolViolation, message);

    [DoesNotReturn]
    internal static void ThrowLimit(string message) => throw new PgProtocolException(PgSqlState.ProgramLimitExceeded, message);

    [DoesNotReturn]
    internal static T ThrowValue<T>(string sqlState, string message) => throw new PgProtocolException(sqlState, message, isFatal: false);
}
