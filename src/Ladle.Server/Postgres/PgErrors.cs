using Ladle.Core.Errors;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;

namespace Ladle.Server.Postgres;

/// <summary>
/// The one place a failure becomes an ErrorResponse: Ladle's error categories give the SQLSTATE through
/// <see cref="ErrorCategories"/> (the same table HTTP statuses come from), refined where the wire can say more
/// (an engine's parser or catalog error in the owner's SQL, a cancelled statement); protocol errors keep their own.
/// Messages never carry row values: Ladle's errors are written that way, and anything unexpected is answered
/// without its internals.
/// </summary>
internal static class PgErrors
{
    public const string SyntaxError = "42601";
    public const string UndefinedTable = "42P01";
    public const string UndefinedColumn = "42703";
    public const string UndefinedFunction = "42883";
    public const string UndefinedObject = "42704";
    public const string QueryCanceled = "57014";
    public const string InternalError = "XX000";
    public const string InvalidParameterValue = "22023";
    public const string NullValueNotAllowed = "22004";
    public const string InvalidTextRepresentation = "22P02";
    public const string NumericValueOutOfRange = "22003";
    public const string DivisionByZero = "22012";
    public const string FeatureNotSupported = "0A000";
    public const string InsufficientPrivilege = "42501";
    public const string ReadOnlySqlTransaction = "25006";
    public const string InFailedTransaction = "25P02";
    public const string ActiveSqlTransaction = "25001";
    public const string NoActiveSqlTransaction = "25P01";
    public const string CantChangeRuntimeParam = "55P02";
    public const string InvalidSqlStatementName = "26000";
    public const string InvalidCursorName = "34000";
    public const string DuplicatePreparedStatement = "42P05";
    public const string DuplicateCursor = "42P03";
    public const string ProtocolViolation = PgSqlState.ProtocolViolation;

    /// <summary>An ErrorResponse's fields for a statement that failed with <paramref name="error"/>.</summary>
    /// <param name="error">What the statement raised.</param>
    /// <param name="timedOut">True when the session's statement_timeout stopped it (not the client's cancel).</param>
    public static PgErrorFields Of(Exception error, bool timedOut = false) => error switch
    {
        PgProtocolException p => new(p.IsFatal ? "FATAL" : "ERROR", p.SqlState, p.Message),
        PgWireException w => new("ERROR", w.SqlState, w.Message, w.Detail, w.Hint),
        OperationCanceledException when timedOut => new("ERROR", QueryCanceled, "canceling statement due to statement timeout"),
        OperationCanceledException => new("ERROR", QueryCanceled, "canceling statement due to user request"),
        InvalidRequestException { Parameter: "sql" } bad => new("ERROR", EngineState(bad.Message) ?? SyntaxError, bad.Message),
        // A statement the engine refused: its class (42P01, 42601, 22P02 …) tells a client more than 42000.
        LadleException { Category: ErrorCategory.QueryFailed } failed => new("ERROR", EngineState(failed.Message) ?? SqlStateOf(failed), failed.Message),
        LadleException ladle => new("ERROR", SqlStateOf(ladle), ladle.Message),
        _ => new("ERROR", InternalError, "internal error: the statement failed in a way Ladle did not expect; the server log has the details"),
    };

    /// <summary>The SQLSTATE of a Ladle error: its category's, from the one table.</summary>
    public static string SqlStateOf(LadleException error) => ErrorCategories.Of(error.Category).SqlState;

    /// <summary>True when the failure is Ladle's own defect, to be logged with its stack.</summary>
    public static bool IsUnexpected(Exception error) =>
        error is not (PgProtocolException or PgWireException or LadleException or OperationCanceledException);

    /// <summary>
    /// The class of an engine's error in the owner's SQL, from DuckDB's prefixes ("Parser Error: …"): a client
    /// reacts to 42P01 or 22P02 as it would against PostgreSQL. Null when the words say nothing known.
    /// </summary>
    internal static string? EngineState(string message)
    {
        if (message.Contains("Parser Error", StringComparison.Ordinal)) return SyntaxError;
        if (message.Contains("Catalog Error", StringComparison.Ordinal))
        {
            if (message.Contains("Table Function", StringComparison.OrdinalIgnoreCase)
                || message.Contains("Scalar Function", StringComparison.OrdinalIgnoreCase)) return UndefinedFunction;
            if (message.Contains("Table with name", StringComparison.Ordinal)) return UndefinedTable;
            return UndefinedObject;
        }

        if (message.Contains("Binder Error", StringComparison.Ordinal))
            return message.Contains("not found", StringComparison.OrdinalIgnoreCase) || message.Contains("does not have a column", StringComparison.Ordinal)
                ? UndefinedColumn
                : SyntaxError;
        if (message.Contains("Conversion Error", StringComparison.Ordinal) || message.Contains("Invalid Input Error", StringComparison.Ordinal)) return InvalidTextRepresentation;
        if (message.Contains("Out of Range Error", StringComparison.Ordinal)) return NumericValueOutOfRange;
        if (message.Contains("Division by zero", StringComparison.OrdinalIgnoreCase)) return DivisionByZero;
        if (message.Contains("INTERRUPT", StringComparison.OrdinalIgnoreCase)) return QueryCanceled;
        if (message.Contains("Not implemented Error", StringComparison.Ordinal)) return FeatureNotSupported;
        return null;
    }
}

/// <summary>An error the session itself raises (a bad SET, an unknown prepared statement), with its SQLSTATE.</summary>
internal sealed class PgWireException(string sqlState, string message, string? detail = null, string? hint = null) : Exception(message)
{
    public string SqlState { get; } = sqlState;
    public string? Detail { get; } = detail;
    public string? Hint { get; } = hint;
}
