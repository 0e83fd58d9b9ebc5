namespace Ladle.Core.Errors;

/// <summary>
/// The engine failed while computing an answer from the project's own definitions (a value that does not fit a
/// declared type, an expression that fails on some rows, SQL that a source or the store does not parse or bind):
/// HTTP 500, with a message that names the dataset, dimension, measure or column to look at and never the value at
/// fault. The definition must change, so a run that fails this way is not retried.
/// </summary>
public sealed class QueryFailedException(string message, Exception? inner = null) : LadleException(message, inner)
{
    public override string Kind => "query-failed";
    public override ErrorCategory Category => ErrorCategory.QueryFailed;
}
