namespace Ladle.Streams;

/// <summary>A stream's figures, as GET /api/v1/streams/{name} and /metrics show them.</summary>
public sealed record StreamStatus(
    string Name,
    string Dataset,
    long Accepted,
    long Rejected,
    long Late,
    double IngestRatePerSecond,
    DateTimeOffset? Watermark,
    double? LagSeconds,
    int OpenWindows,
    int Keys,
    long WindowsEmitted,
    long WindowsPublished,
    int Subscribers,
    long SubscribersDropped,
    long LogBytes,
    string? Failure);
