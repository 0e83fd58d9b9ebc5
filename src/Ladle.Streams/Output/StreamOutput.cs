using Ladle.Core.Model;
using Ladle.Engine;
using Microsoft.Extensions.Logging;

namespace Ladle.Streams.Output;

/// <summary>
/// Takes a stream's closed windows as they close and, on one worker, appends them to the stream's table (with the
/// checkpoint) and publishes the windows dataset through the write path, so each window is in the dataset once.
/// Windows that closed while a publication ran go out together in the next one.
/// </summary>
internal sealed class StreamOutput(StreamLiveFeed feed, DatasetDefinition dataset, WindowTable table, Publisher publisher, TimeProvider clock, ILogger logger)
    : TableAppender<WindowRow>(dataset.Stream!, dataset, publisher, clock, logger)
{
    /// <summary>Called with windows once they are in the store's table (alert rules look at them), in order.</summary>
    public Action<IReadOnlyList<WindowRow>>? OnWritten { get; init; }

    public void Start(long written, long published)
    {
        Written = written;
        PublishedUpTo = published;
        feed.Published(published);
    }

    protected override long Seq(WindowRow row) => row.Seq;

    protected override string SeqColumn => Core.Model.Streams.StreamDefinition.SequenceColumn;

    protected override string? ReadWatermark(long after, string? previous) => table.ReadWatermark(after, previous);

    protected override void Append(IReadOnlyList<WindowRow> rows) => table.Append(rows);

    protected override void OnAppended(IReadOnlyList<WindowRow> rows) => OnWritten?.Invoke(rows);

    protected override void OnPublished() => feed.Published(Written);
}
