namespace Ladle.Core.Errors;

/// <summary>Base of every error Ladle raises on purpose; the message says what, where and how to fix it.</summary>
public abstract class LadleException : Exception
{
    protected LadleException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>A short machine-readable kind, used as the ProblemDetails type suffix and in logs.</summary>
    public abstract string Kind { get; }

    /// <summary>What kind of failure this is: it decides the HTTP status, the SQLSTATE and whether a run is retried (<see cref="ErrorCategories"/>).</summary>
    public abstract ErrorCategory Category { get; }

    /// <summary>True when waiting may fix it (a source that is down): only these runs are retried.</summary>
    public bool IsTransient => Category.IsTransient();
}

/// <summary>The request itself is wrong (bad filter, unknown column, bad format): HTTP 400.</summary>
public sealed class InvalidRequestException(string message, string? parameter = null) : LadleException(message)
{
    /// <summary>The request parameter at fault, when there is one.</summary>
    public string? Parameter { get; } = parameter;
    public override string Kind => "invalid-request";
    public override ErrorCategory Category => ErrorCategory.BadRequest;
}

/// <summary>A named thing (dataset, version, source) does not exist: HTTP 404.</summary>
public sealed class NotFoundException(string message) : LadleException(message)
{
    public override string Kind => "not-found";
    public override ErrorCategory Category => ErrorCategory.NotFound;
}

/// <summary>Something that existed is no longer retained (an old version behind a cursor): HTTP 410.</summary>
public sealed class GoneException(string message) : LadleException(message)
{
    public override string Kind => "gone";
    public override ErrorCategory Category => ErrorCategory.Gone;
}

/// <summary>A source could not be reached or refused the query: HTTP 503.</summary>
public sealed class SourceUnavailableException(string source, string message, Exception? inner = null)
    : LadleException(message, inner)
{
    /// <summary>The source's name as written in ladle.yaml.</summary>
    public string SourceName { get; } = source;
    public override string Kind => "source-unavailable";
    public override ErrorCategory Category => ErrorCategory.SourceUnavailable;
}

/// <summary>
/// A source answered, but what it holds cannot be read into the dataset: a file that is there but truncated,
/// empty or corrupt, a path or glob that matches nothing, a row that does not fit the declared columns. Waiting
/// does not fix it (the producer or the definition must), so runs are not retried: HTTP 422.
/// </summary>
public sealed class SourceDataException(string source, string? file, string message, string? detail = null, Exception? inner = null)
    : LadleException(message, inner)
{
    /// <summary>The source's name as written in ladle.yaml.</summary>
    public string SourceName { get; } = source;

    /// <summary>The file at fault, relative to the project when it lies inside it; null when the reader named none.</summary>
    public string? File { get; } = file;

    /// <summary>
    /// The message as the owner's build log shows it: it may quote the offending value, which <see cref="Exception.Message"/>
    /// never does (that one can reach readers through a version's failure reason).
    /// </summary>
    public string Detail { get; } = detail ?? message;

    public override string Kind => "source-data-invalid";
    public override ErrorCategory Category => ErrorCategory.SourceData;
}

/// <summary>The dataset cannot be served right now (nothing published yet): HTTP 503.</summary>
public sealed class DatasetUnavailableException(string dataset, string message) : LadleException(message)
{
    public string Dataset { get; } = dataset;
    public override string Kind => "dataset-unavailable";
    public override ErrorCategory Category => ErrorCategory.DatasetUnavailable;
}

/// <summary>Materialization of a dataset failed; the previous version stays served.</summary>
public sealed class MaterializationException(string dataset, string message, Exception? inner = null)
    : LadleException(message, inner)
{
    public string Dataset { get; } = dataset;
    public override string Kind => "materialization-failed";
    public override ErrorCategory Category => ErrorCategory.QueryFailed;
}

/// <summary>The principal is known but lacks a grant for what it asked: HTTP 403, naming the missing grant.</summary>
public sealed class ForbiddenException(string message) : LadleException(message)
{
    public override string Kind => "forbidden";
    public override ErrorCategory Category => ErrorCategory.Forbidden;
}

/// <summary>No credentials, or credentials that are not valid (expired, revoked, tampered): HTTP 401.</summary>
public sealed class UnauthorizedException(string message) : LadleException(message)
{
    public override string Kind => "unauthorized";
    public override ErrorCategory Category => ErrorCategory.Unauthorized;
}

/// <summary>The principal is over its rate limit: HTTP 429 with Retry-After.</summary>
public sealed class RateLimitedException(string message, TimeSpan retryAfter) : LadleException(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
    public override string Kind => "rate-limited";
    public override ErrorCategory Category => ErrorCategory.RateLimited;
}

/// <summary>A statement ran past the server's statement_timeout and was stopped in the engine: HTTP 503.</summary>
public sealed class StatementTimeoutException(TimeSpan timeout) : LadleException(
    $"the query ran longer than the server's statement_timeout of {Loading.Durations.Format(timeout)} and was stopped; " +
    "narrow it (filters, a shorter range, fewer columns) or raise 'statement_timeout' under 'server:' in ladle.yaml")
{
    public TimeSpan Timeout { get; } = timeout;
    public override string Kind => "statement-timeout";
    public override ErrorCategory Category => ErrorCategory.Timeout;
}
