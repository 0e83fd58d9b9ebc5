namespace Ladle.Streams.Windows;

/// <summary>A window the watermark passed: its key values, event-time range (UTC ticks) and aggregate values.</summary>
internal sealed record ClosedWindow(object?[] Keys, long Start, long End, object?[] Aggregates);

/// <summary>What became of one event offered to the windows.</summary>
internal enum EventOutcome : byte
{
    Accepted,

    /// <summary>Every window it belongs to had already closed: dropped and counted.</summary>
    Late,

    /// <summary>It would open a window past max_open_windows: refused.</summary>
    TooManyWindows,

    /// <summary>It would open windows for a key past max_keys: refused.</summary>
    TooManyKeys,
}
