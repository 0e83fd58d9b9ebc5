namespace Ladle.Protocol.Postgres.Backend;

/// <summary>The fields of an ErrorResponse or NoticeResponse that Ladle fills.</summary>
/// <param name="Severity">ERROR, FATAL or PANIC for errors; WARNING, NOTICE, DEBUG, INFO or LOG for notices (not localized).</param>
/// <param name="SqlState">The five-character SQLSTATE.</param>
/// <param name="Message">The primary message: what went wrong, without row values.</param>
/// <param name="Detail">An optional secondary message with more detail.</param>
/// <param name="Hint">An optional suggestion of what to do.</param>
/// <param name="Position">An optional 1-based character position in the query string.</param>
public sealed record PgErrorFields(
    string Severity,
    string SqlState,
    string Message,
    string? Detail = null,
    string? Hint = null,
    int? Position = null);
