namespace Ladle.Core.Errors;

/// <summary>
/// What kind of failure an error is, whoever raised it: the one thing the HTTP answer, the wire protocol's SQLSTATE
/// and the scheduler's decision to retry depend on. Each category's status, title and SQLSTATE are in
/// <see cref="ErrorCategories"/>.
/// </summary>
public enum ErrorCategory
{
    /// <summary>The request is wrong (a bad filter, an unknown column, a bad format).</summary>
    BadRequest,
    /// <summary>No credentials, or credentials that are not valid.</summary>
    Unauthorized,
    /// <summary>The principal lacks a grant for what it asked.</summary>
    Forbidden,
    /// <summary>A named thing (dataset, version, source) does not exist.</summary>
    NotFound,
    /// <summary>Something that existed is no longer retained (an old version behind a cursor).</summary>
    Gone,
    /// <summary>Another process holds what this one needs, or the state and the store disagree.</summary>
    Conflict,
    /// <summary>The principal is over its rate limit; asking again later works.</summary>
    RateLimited,
    /// <summary>The request body is larger than Ladle accepts.</summary>
    PayloadTooLarge,
    /// <summary>A source answered, but what it holds cannot be read into the dataset: its producer must fix it.</summary>
    SourceData,
    /// <summary>The definition is wrong (SQL that does not parse or bind, a declared column the source lacks, an invalid project).</summary>
    QueryFailed,
    /// <summary>A source could not be reached: transient, worth trying again later.</summary>
    SourceUnavailable,
    /// <summary>A dataset cannot be served right now (nothing published yet, or stale and refusing).</summary>
    DatasetUnavailable,
    /// <summary>A statement ran past the statement timeout.</summary>
    Timeout,
    /// <summary>A file Ladle writes could not be written: its disk is full.</summary>
    StorageFull,
    /// <summary>Anything Ladle did not expect: a defect, answered without internals and logged with its stack.</summary>
    Internal,
}
