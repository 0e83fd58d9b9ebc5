namespace Ladle.Core.Errors;

/// <summary>
/// The engine failed while computing an answer from the project's own definitions (a value that does not fit a
/// declared type, an expression that fails on some rows): HTTP 500, with a message that names the dimension,
/// measure or column to look at and never the value at fault.
/// </summary>
public sealed class QueryFailedException(string message) : LadleException(message)
{
    public override string Kind => "query-failed";
}
