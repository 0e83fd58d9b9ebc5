using Ladle.Core.Errors;

namespace Ladle.Streams;

/// <summary>
/// A stream cannot take events now: 503. While it replays its log at start, <see cref="RetryAfter"/> says when to try
/// again (sent as Retry-After); a stream whose log failed has none, it needs a restart.
/// </summary>
public sealed class StreamUnavailableException(string stream, string message, TimeSpan? retryAfter = null) : LadleException(message)
{
    public string Stream { get; } = stream;

    /// <summary>When trying again may succeed (the stream is still opening), or null when only a restart helps.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public override string Kind => "stream-unavailable";
    public override ErrorCategory Category => ErrorCategory.SourceUnavailable;
}

/// <summary>A stream's log and the store disagree in a way replay cannot explain; start-up refuses rather than emit twice or lose windows.</summary>
public sealed class StreamStateException(string stream, string message) : LadleException(message)
{
    public string Stream { get; } = stream;
    public override string Kind => "stream-state";
    public override ErrorCategory Category => ErrorCategory.Conflict;
}
