using Ladle.Core.Errors;

namespace Ladle.Core.Model.Streams;

/// <summary>The kinds of window a stream aggregates its events into.</summary>
public enum WindowKind : byte
{
    /// <summary>Fixed, non-overlapping windows of <see cref="WindowDefinition.Size"/>.</summary>
    Tumbling,

    /// <summary>Windows of <see cref="WindowDefinition.Size"/> starting every <see cref="WindowDefinition.Slide"/>; an event falls in several.</summary>
    Hopping,

    /// <summary>Per key, events closer than <see cref="WindowDefinition.Gap"/> to each other form one window.</summary>
    Session,
}

/// <summary>How a stream's events are grouped in event time.</summary>
public sealed record WindowDefinition(WindowKind Kind, TimeSpan Size, TimeSpan Slide, TimeSpan Gap);

/// <summary>The aggregate functions a window computes incrementally.</summary>
public enum AggregateFunction : byte
{
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Percentile,
}

/// <summary>One output column of a window: a function over an event column (none for count).</summary>
public sealed record AggregateDefinition(string Name, AggregateFunction Function, string? Column, double Percentile, LadleType Type, SourceLocation Location);

/// <summary>What an ingest batch with bad events does.</summary>
public enum BadEventsPolicy : byte
{
    /// <summary>Good events are accepted, bad ones answered with their line and reason and counted.</summary>
    AcceptValid,

    /// <summary>One bad event refuses the whole batch; nothing is accepted.</summary>
    RefuseBatch,
}

/// <summary>What a stream does with an event older than its watermark.</summary>
public enum LatePolicy : byte
{
    /// <summary>Dropped and counted.</summary>
    Drop,

    /// <summary>Counted and appended, as it came, to the stream's late dataset.</summary>
    SideDataset,
}

/// <summary>
/// A broker topic a stream subscribes to (MQTT, QoS 1). The broker's address and credentials are read from the
/// environment variable <see cref="BrokerEnv"/> (<c>mqtt://user:password@host:1883</c>), never from YAML.
/// </summary>
public sealed record MqttSource(string Topic, string BrokerEnv, string? ClientId, SourceLocation Location)
{
    /// <summary>The environment variable read when the stream names none.</summary>
    public const string DefaultBrokerEnv = "LADLE_MQTT_URL";

    /// <summary>Who the audit records the topic's batches under (interface mqtt): the broker's credentials are the only gate.</summary>
    public string Principal { get; init; } = DefaultPrincipal;

    /// <summary>The audit's principal for a topic that names none.</summary>
    public const string DefaultPrincipal = "mqtt";
}

/// <summary>The comparison of a threshold alert rule.</summary>
public enum AlertComparison : byte
{
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// <summary>
/// An alert rule of a stream, per key: a threshold on an aggregate of each closed window (<c>when: kwh &gt; 3.5</c>),
/// or a key whose newest event is older than <see cref="SilentFor"/> behind the watermark (<c>silent_for: 15m</c>).
/// </summary>
public sealed record StreamAlertRule(string Name, string? Aggregate, AlertComparison Comparison, double Threshold, TimeSpan? SilentFor, string Text, SourceLocation Location);

/// <summary>A stream of streams/*.yaml: typed events in over HTTP, windows aggregated on event time out into a dataset.</summary>
public sealed record StreamDefinition
{
    /// <summary>The columns every window row carries besides keys and aggregates.</summary>
    public const string WindowStartColumn = "window_start";
    public const string WindowEndColumn = "window_end";

    /// <summary>The emission number of a window row: its SSE event id, unique and increasing per stream.</summary>
    public const string SequenceColumn = "seq";

    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>The dataset closed windows are appended to (published as versions like any table dataset).</summary>
    public required string Dataset { get; init; }

    /// <summary>The declared event columns; events are validated against them.</summary>
    public required IReadOnlyList<ColumnDefinition> Columns { get; init; }

    /// <summary>The timestamp column windows are computed on.</summary>
    public required string EventTime { get; init; }

    /// <summary>Columns windows are kept per (empty: one window per time range).</summary>
    public IReadOnlyList<string> Keys { get; init; } = [];

    public required WindowDefinition Window { get; init; }
    public required IReadOnlyList<AggregateDefinition> Aggregates { get; init; }

    /// <summary>How far behind the newest event time an event may be and still count.</summary>
    public TimeSpan AllowedLateness { get; init; }

    /// <summary>Wall-clock time without input after which the watermark advances with the clock, so windows close.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public BadEventsPolicy BadEvents { get; init; } = BadEventsPolicy.AcceptValid;

    /// <summary>The most windows held open at once; an event that would open one more is refused.</summary>
    public int MaxOpenWindows { get; init; } = 100_000;

    /// <summary>
    /// Bytes of events a segment of the stream's log takes before the next begins (with a snapshot of the windows), so
    /// segments whose windows are published can be deleted.
    /// </summary>
    public long LogSegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The most distinct keys with open windows; an event of one more key is refused.</summary>
    public int MaxKeys { get; init; } = 100_000;

    /// <summary>What happens to late events: dropped, or appended to <see cref="LateDataset"/>.</summary>
    public LatePolicy Late { get; init; } = LatePolicy.Drop;

    /// <summary>The dataset late events are appended to (late: side_dataset), or null.</summary>
    public string? LateDataset { get; init; }

    /// <summary>The broker topic the stream subscribes to, besides HTTP, or null.</summary>
    public MqttSource? Mqtt { get; init; }

    /// <summary>Alert rules on the stream's windows and keys.</summary>
    public IReadOnlyList<StreamAlertRule> Alerts { get; init; } = [];

    /// <summary>The store table (in schema ladle_streams) of a stream's late events.</summary>
    public static string LateTableName(string stream) => stream + "__late";

    /// <summary>The column numbering a late dataset's rows.</summary>
    public const string LateSequenceColumn = "late_seq";

    /// <summary>Window rows a live subscriber may fall behind before it is dropped.</summary>
    public int SubscriberBuffer { get; init; } = 1_000;

    public required string File { get; init; }
    public required SourceLocation Location { get; init; }

    public ColumnDefinition? FindColumn(string name) =>
        Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
