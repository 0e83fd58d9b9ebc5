using Ladle.Core.Errors;

namespace Ladle.Streams;

/// <summary>A stream cannot take events now (its log failed, or it is not open): 503, try again after a restart.</summary>
public sealed class StreamUnavailableException(string stream, string message) : LadleException(message)
{
    public string Stream { get; } = stream;
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
