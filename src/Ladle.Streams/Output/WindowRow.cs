namespace Ladle.Streams.Output;

/// <summary>A closed window numbered for emission: <see cref="Seq"/> is its place in the stream's output and its live event id.</summary>
/// <param name="LogOffset">The end of the log record whose processing closed it: everything before is covered.</param>
internal sealed record WindowRow(long Seq, Windows.ClosedWindow Window, long LogOffset, long Watermark);
