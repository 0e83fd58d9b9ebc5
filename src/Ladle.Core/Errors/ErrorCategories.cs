namespace Ladle.Core.Errors;

/// <summary>How one <see cref="ErrorCategory"/> is answered: HTTP status and title, SQLSTATE, and whether waiting fixes it.</summary>
/// <param name="Slug">The category's name in answers (the ProblemDetails <c>category</c> member) and logs.</param>
/// <param name="Transient">True when the same request or run may succeed later unchanged; only these are retried.</param>
/// <param name="RunStatus">
/// The HTTP status of a run asked for over HTTP (<c>POST …/refresh?wait=true</c>) that failed with an error of this
/// category. The request itself was carried out, so what the owner must fix (the definition, the source's data) is 422
/// Unprocessable; only what waiting (503), another node's run of the same dataset (409), disk space (507) or Ladle's own
/// defect (500) fixes answers otherwise.
/// </param>
public sealed record ErrorCategoryInfo(ErrorCategory Category, int Status, string Slug, string Title, string SqlState, bool Transient, int RunStatus = 422);

/// <summary>
/// The one table from an error's category to its HTTP status, ProblemDetails title, PostgreSQL SQLSTATE (for the wire
/// protocol) and transience. The SQLSTATEs are PostgreSQL's own codes, chosen so a PostgreSQL client reacts as it
/// would to the server itself.
/// </summary>
public static class ErrorCategories
{
    private static readonly Dictionary<ErrorCategory, ErrorCategoryInfo> Table = new ErrorCategoryInfo[]
    {
        // 22023 invalid_parameter_value: a parameter of the request is wrong.
        new(ErrorCategory.BadRequest, 400, "bad-request", "Bad request", "22023", false),
        // 28000 invalid_authorization_specification: what PostgreSQL answers a login it cannot accept.
        new(ErrorCategory.Unauthorized, 401, "unauthorized", "Unauthorized", "28000", false),
        // 42501 insufficient_privilege: a known role without the grant.
        new(ErrorCategory.Forbidden, 403, "forbidden", "Forbidden", "42501", false),
        // 42P01 undefined_table: a dataset is a table to a SQL client.
        new(ErrorCategory.NotFound, 404, "not-found", "Not found", "42P01", false),
        // 72000 snapshot_too_old: the version the request was reading is no longer retained.
        new(ErrorCategory.Gone, 410, "gone", "Gone", "72000", false),
        // 55006 object_in_use: another process holds the store (or, for a run, another node is building the dataset).
        new(ErrorCategory.Conflict, 409, "conflict", "Conflict", "55006", false, RunStatus: 409),
        // 53300 too_many_connections: PostgreSQL's "you ask too much, come back later".
        new(ErrorCategory.RateLimited, 429, "rate-limited", "Too many requests", "53300", true),
        // 54000 program_limit_exceeded: the statement is bigger than the server accepts.
        new(ErrorCategory.PayloadTooLarge, 413, "payload-too-large", "Payload too large", "54000", false),
        // 22000 data_exception: the data, not the statement, is at fault.
        new(ErrorCategory.SourceData, 422, "source-data", "Unprocessable source data", "22000", false),
        // 42000 syntax_error_or_access_rule_violation: the class of 42601 syntax_error, 42P01, 42703 undefined_column.
        new(ErrorCategory.QueryFailed, 500, "query-failed", "Query failed", "42000", false),
        // 08006 connection_failure: what a client sees when the server it talks to loses its upstream.
        new(ErrorCategory.SourceUnavailable, 503, "source-unavailable", "Service unavailable", "08006", true, RunStatus: 503),
        // 55000 object_not_in_prerequisite_state: the dataset exists but has no version it may serve yet.
        new(ErrorCategory.DatasetUnavailable, 503, "dataset-unavailable", "Service unavailable", "55000", false),
        // 57014 query_canceled: what PostgreSQL raises when statement_timeout stops a statement.
        new(ErrorCategory.Timeout, 503, "timeout", "Service unavailable", "57014", false),
        // 53100 disk_full.
        new(ErrorCategory.StorageFull, 507, "storage-full", "Insufficient storage", "53100", false, RunStatus: 507),
        // XX000 internal_error.
        new(ErrorCategory.Internal, 500, "internal", "Internal error", "XX000", false, RunStatus: 500),
    }.ToDictionary(i => i.Category);

    /// <summary>How errors of this category are answered.</summary>
    public static ErrorCategoryInfo Of(ErrorCategory category) => Table[category];

    /// <summary>How this error is answered: its own category for Ladle's errors, Internal for anything else.</summary>
    public static ErrorCategoryInfo Of(Exception e) => Table[e is LadleException ladle ? ladle.Category : ErrorCategory.Internal];

    /// <summary>The category whose <see cref="ErrorCategoryInfo.Slug"/> this is (as answers carry it); null for a slug Ladle does not know.</summary>
    public static ErrorCategory? FromSlug(string? slug) =>
        Table.Values.FirstOrDefault(i => string.Equals(i.Slug, slug, StringComparison.Ordinal))?.Category;

    /// <summary>True when waiting may fix an error of this category (a source that is down): the scheduler retries only these.</summary>
    public static bool IsTransient(this ErrorCategory category) => Table[category].Transient;
}
