using Ladle.Streams.Ingest;

namespace Ladle.Streams;

/// <summary>The answer to one ingest batch: what was accepted, what was refused and why (line and reason), what came late.</summary>
public sealed record IngestResult(long Accepted, long Rejected, long Late, IReadOnlyList<EventError> Errors)
{
    /// <summary>True when the whole batch was refused (bad_events: refuse_batch), so nothing was accepted.</summary>
    public bool Refused { get; init; }

    /// <summary>True when nothing of the batch was taken: refused whole, or every event bad.</summary>
    public bool NothingTaken => Refused || (Accepted == 0 && Late == 0 && Rejected > 0);

    /// <summary>What became of the batch's events, as the audit records them: accepted=N rejected=N late=N.</summary>
    public string AuditCounts() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"accepted={Accepted} rejected={Rejected} late={Late}");
}
