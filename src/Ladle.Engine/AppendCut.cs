namespace Ladle.Engine;

/// <summary>
/// A publication of a dataset over an append-only store table (a stream's windows or late events): the new version is
/// the table's rows whose <see cref="Column"/> is at most <see cref="UpTo"/>, a view over the table rather than a copy,
/// so publishing costs the same however many rows earlier versions hold. The appender knows the version's size and
/// watermark, so nothing is counted over the table either.
/// </summary>
/// <param name="Column">The table's row number column (numbered 1, 2, … in append order, never rewritten).</param>
/// <param name="UpTo">The highest row number in the version.</param>
/// <param name="Rows">The version's row count.</param>
/// <param name="Watermark">The version's watermark, as <c>CAST(max(watermark column) AS VARCHAR)</c> reads it, or null.</param>
public sealed record AppendCut(string Column, long UpTo, long Rows, string? Watermark);
