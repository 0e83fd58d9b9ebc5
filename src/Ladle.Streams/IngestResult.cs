using Ladle.Streams.Ingest;

namespace Ladle.Streams;

/// <summary>The answer to one ingest batch: what was accepted, what was refused and why (line and reason), what came late.</summary>
public sealed record IngestResult(long Accepted, long Rejected, long Late, IReadOnlyList<EventError> Errors)
{
    /// <summary>True when the whole batch was refused (bad_events: refuse_batch), so nothing was accepted.</summary>
    public bool Refused { get; init; }
}
