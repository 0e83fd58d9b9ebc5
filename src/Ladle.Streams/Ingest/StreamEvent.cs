namespace Ladle.Streams.Ingest;

/// <summary>One valid event: its values in the stream's column order, and its event time (UTC ticks).</summary>
/// <param name="Line">Where it was in the batch (1-based line of NDJSON, or the line an array element starts on).</param>
/// <param name="Raw">The event's JSON text, as written to the log.</param>
internal sealed record StreamEvent(long Line, object?[] Values, long EventTicks, ReadOnlyMemory<byte> Raw);

/// <summary>An event refused: where it was and why (never its values).</summary>
public sealed record EventError(long Line, string Reason);
