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
    string? Failure)
{
    /// <summary>The MQTT subscription's state (connected, or why not), or null for a stream without one.</summary>
    public string? Mqtt { get; init; }

    /// <summary>MQTT messages taken and acknowledged since start.</summary>
    public long? MqttMessages { get; init; }

    /// <summary>Alert incidents opened by this run (one per rule and key that started alerting), or null without rules.</summary>
    public long? AlertsRaised { get; init; }

    /// <summary>Alert incidents resolved by this run.</summary>
    public long? AlertsRecovered { get; init; }

    /// <summary>Segments of the stream's log on disk (<see cref="LogBytes"/> is their size): older ones are deleted once their windows are published.</summary>
    public int LogSegments { get; init; }

    /// <summary>Late events appended to the late dataset (late: side_dataset).</summary>
    public long? LateWritten { get; init; }
}
