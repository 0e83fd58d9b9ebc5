using System.Data.Common;
using DuckDB.NET.Data;
using Ladle.Core.Errors;
using Npgsql;

namespace Ladle.Engine.Sql;

/// <summary>
/// An engine's error as Ladle repeats it (in answers, check results, version errors and logs): errors about the
/// statement (a parse, bind or catalog error, a missing file, a refused connection) keep their words; errors about
/// the data (a conversion, an out-of-range value, a CSV line that does not parse) keep only their kind, because the
/// engines quote the offending value, and sometimes the whole line, in them.
/// </summary>
public static class EngineErrors
{
    /// <summary>DuckDB error kinds whose messages speak of the statement or the files, never of a row's values.</summary>
    private static readonly string[] StatementKinds = ["Parser Error", "Binder Error", "Catalog Error", "IO Error", "Permission Error", "Interrupt Error", "Not implemented Error"];

    /// <summary>PostgreSQL SQLSTATE classes about the statement, the connection or permissions (not the data).</summary>
    private static readonly string[] StatementSqlStates = ["08", "28", "3D", "3F", "42", "53", "57"];

    /// <summary>True for exceptions an engine raises while running or reading a query.</summary>
    public static bool IsEngineError(Exception e) =>
        e is DbException or InvalidCastException or FormatException or OverflowException;

    /// <summary>DuckDB error kinds that say the statement itself is wrong (it does not parse, or names what is not there).</summary>
    private static readonly string[] DefinitionKinds = ["Parser Error", "Binder Error", "Catalog Error"];

    /// <summary>
    /// True when the engine refused the statement itself: it does not parse or names a table or column that is not
    /// there (DuckDB's parser, binder and catalog errors, PostgreSQL's class 42 such as 42601 syntax_error, SQLite's
    /// SQLITE_ERROR). The definition must change; waiting does not fix it, unlike a refused connection.
    /// </summary>
    public static bool IsDefinitionError(Exception e) => e switch
    {
        DuckDBException duck => DefinitionKinds.Any(k => duck.Message.StartsWith(k, StringComparison.OrdinalIgnoreCase)),
        PostgresException pg => pg.SqlState.StartsWith("42", StringComparison.Ordinal),
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 1,
        _ => false,
    };

    /// <summary>
    /// The category of a failure seen while building or reading: Ladle's own errors say theirs; an engine's error
    /// that escaped unwrapped (SQL over datasets, run in the store) is in the definition; anything else is unexpected.
    /// </summary>
    public static ErrorCategory CategoryOf(Exception e) => e switch
    {
        LadleException ladle => ladle.Category,
        _ when IsEngineError(e) => ErrorCategory.QueryFailed,
        _ => ErrorCategory.Internal,
    };

    /// <summary>
    /// True when the error is about the data rather than the statement or the connection (a conversion, a value
    /// out of range), directly or as the cause of a source's failure: an expression or a declared type is at fault,
    /// not the availability of the source.
    /// </summary>
    public static bool IsDataError(Exception e)
    {
        if (e is SourceUnavailableException { InnerException: { } inner }) e = inner;
        return e switch
        {
            DuckDBException duck => !StatementKinds.Any(k => duck.Message.StartsWith(k, StringComparison.OrdinalIgnoreCase)),
            PostgresException pg => !StatementSqlStates.Any(c => pg.SqlState.StartsWith(c, StringComparison.Ordinal)),
            Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode != 1,
            _ => e is InvalidCastException or FormatException or OverflowException,
        };
    }

    /// <summary>What went wrong, in words that carry no value from a row.</summary>
    public static string Describe(Exception e)
    {
        switch (e)
        {
            case LadleException ladle:
                return ladle.Message;   // written by Ladle, engine words already passed through here
            case DuckDBException duck:
            {
                var colon = duck.Message.IndexOf(':', StringComparison.Ordinal);
                var kind = colon > 0 ? duck.Message[..colon].Trim() : "DuckDB error";
                return StatementKinds.Contains(kind, StringComparer.OrdinalIgnoreCase)
                    ? duck.Message.Trim()
                    : $"{kind} (the engine's message is withheld: it can quote values of rows)";
            }
            case PostgresException pg:
                return StatementSqlStates.Any(c => pg.SqlState.StartsWith(c, StringComparison.Ordinal))
                    ? $"{pg.SqlState}: {pg.MessageText}"
                    : $"PostgreSQL error {pg.SqlState} (the message is withheld: it can quote values of rows)";
            case NpgsqlException npgsql:
                return npgsql.Message;   // connection and protocol failures: no row in them
            case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 1 } sqlite:
                return sqlite.Message;   // SQLITE_ERROR: the statement (no such column, syntax)
            case Microsoft.Data.Sqlite.SqliteException sqlite:
                return $"SQLite error {sqlite.SqliteErrorCode} (the message is withheld: it can quote values of rows)";
            case InvalidCastException or FormatException or OverflowException:
                return "a value did not convert to the column's declared type (the value is withheld)";
            case IOException or InvalidOperationException or ArgumentException:
                return e.Message;
            default:
                return e.GetType().Name;
        }
    }
}
