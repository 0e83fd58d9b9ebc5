using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Ladle.Core.Policy;
using Ladle.Engine.Serving;
using Ladle.Server.Hosting;
using Ladle.Streams;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Apis;

/// <summary>
/// GET /api/v1/streams/{name}/live: each closed window the subscriber may see, as a server-sent event whose id is
/// the window's seq. Windows are read from the published windows dataset through the read pipeline as the subscriber
/// (row filters, masks, audit), page by page into a bounded buffer, so a subscriber costs at most its buffer of
/// memory; one whose buffer stays full through three publications in a row is dropped, with the reason as a last
/// event. Last-Event-ID (or ?last_event_id=) resumes after a window; without it, the feed starts at the newest.
/// </summary>
internal static partial class StreamLive
{
    /// <summary>Publications a full buffer may see in a row before its subscriber is dropped.</summary>
    public const int Strikes = 3;

    private const int MaxPage = 500;

    private sealed record LiveEvent(long Seq, string Json);

    [LoggerMessage(6010, LogLevel.Information, "Stream {Stream}: live subscriber {Principal} dropped: {Reason}")]
    private static partial void SubscriberDropped(ILogger logger, string stream, string principal, string reason);

    public static async Task ServeAsync(string name, HttpContext context, PrincipalResolver principals, ReadPipeline pipeline,
        StreamService streams, ILoggerFactory loggers)
    {
        var principal = await principals.ResolveAsync(context);
        var stream = streams.Find(name);
        // The windows dataset's read grant is what a subscriber needs, as for its rows (404 when it may not see it).
        pipeline.Policy.Authorize(principal, pipeline.Describe(principal, stream.Dataset), DataAction.Read);
        var feed = streams.Feed(stream.Name);
        var header = context.Request.Headers["Last-Event-ID"].ToString();
        var query = context.Request.Query["last_event_id"].ToString();
        var last = header.Length > 0 ? StreamsApi.ParseEventId(header, "Last-Event-ID")
            : query.Length > 0 ? StreamsApi.ParseEventId(query, "last_event_id")
            : feed.PublishedSeq;

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync(": ladle live windows of stream " + stream.Name + "\n\n", context.RequestAborted);
        await response.Body.FlushAsync(context.RequestAborted);

        var buffer = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(stream.SubscriberBuffer) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        feed.Subscribed();
        string? dropped = null;
        try
        {
            var reader = Task.Run(async () =>
            {
                try { dropped = await FillAsync(principal, pipeline, stream.Dataset, feed, buffer, last, stream.SubscriberBuffer, stop.Token); }
                catch (OperationCanceledException) { }
                catch (Core.Errors.LadleException e)
                {
                    // Refused mid-feed (a rate limit, the dataset gone): the subscriber is told why, as for a drop.
                    dropped = "the windows could not be read: " + e.Message;
                }
                finally
                {
                    buffer.Writer.TryComplete();
                    if (dropped is not null) await stop.CancelAsync();
                }
            }, CancellationToken.None);
            try
            {
                var text = new StringBuilder();
                while (await buffer.Reader.WaitToReadAsync(stop.Token))
                {
                    text.Clear();
                    while (buffer.Reader.TryRead(out var e))
                        text.Append("id: ").Append(e.Seq).Append("\nevent: window\ndata: ").Append(e.Json).Append("\n\n");
                    await response.WriteAsync(text.ToString(), stop.Token);
                    await response.Body.FlushAsync(stop.Token);
                }
            }
            catch (OperationCanceledException) { }
            await reader;
            if (dropped is not null)
            {
                SubscriberDropped(loggers.CreateLogger("Ladle.Streams"), stream.Name, principal.Name, dropped);
                // Best effort: a client this slow may never read it, so it gets a moment, then the connection ends.
                using var last5 = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await response.WriteAsync("event: dropped\ndata: " + JsonSerializer.Serialize(new { reason = dropped }) + "\n\n", last5.Token);
                    await response.Body.FlushAsync(last5.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException) { }
                context.Abort();
            }
        }
        finally
        {
            feed.Unsubscribed(dropped is not null);
        }
    }

    /// <summary>Reads windows past <paramref name="last"/> into the buffer as they publish; returns the reason when the subscriber is dropped.</summary>
    private static async Task<string?> FillAsync(Principal principal, ReadPipeline pipeline, string dataset, StreamLiveFeed feed,
        Channel<LiveEvent> buffer, long last, int capacity, CancellationToken cancellationToken)
    {
        var strikes = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (feed.PublishedSeq <= last) await feed.WaitBeyondAsync(last, cancellationToken);
            var free = capacity - buffer.Reader.Count;
            if (free <= 0)
            {
                var space = buffer.Writer.WaitToWriteAsync(cancellationToken).AsTask();
                var publication = feed.NextPublicationAsync(cancellationToken);
                if (await Task.WhenAny(space, publication) == publication && buffer.Reader.Count >= capacity && ++strikes >= Strikes)
                    return $"the subscriber fell behind: its buffer of {capacity} window(s) stayed full through {Strikes} publications; reconnect with Last-Event-ID: {last} to resume";
                continue;
            }
            strikes = 0;
            var published = feed.PublishedSeq;
            var limit = Math.Min(free, MaxPage);
            var page = await ReadPageAsync(principal, pipeline, dataset, last, limit, cancellationToken);
            foreach (var row in page)
            {
                if (!buffer.Writer.TryWrite(row)) throw new InvalidOperationException("the live buffer had room for the page it asked for");
                last = row.Seq;
            }
            // A short page read everything the subscriber may see up to what was published when it was asked for.
            if (page.Count < limit && published > last) last = published;
        }
        return null;
    }

    private static async Task<List<LiveEvent>> ReadPageAsync(Principal principal, ReadPipeline pipeline, string dataset, long last, int limit, CancellationToken cancellationToken)
    {
        var sink = new CaptureSink();
        await pipeline.ServeAsync(new RowsRequest
        {
            Principal = principal,
            Interface = "sse",
            Dataset = dataset,
            Filters = [$"{Core.Model.Streams.StreamDefinition.SequenceColumn}:gt:{last}"],
            Order = Core.Model.Streams.StreamDefinition.SequenceColumn,
            Limit = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, sink, cancellationToken);
        var events = new List<LiveEvent>();
        using var document = JsonDocument.Parse(sink.Body.ToArray());
        foreach (var row in document.RootElement.GetProperty("rows").EnumerateArray())
            events.Add(new LiveEvent(row.GetProperty(Core.Model.Streams.StreamDefinition.SequenceColumn).GetInt64(), row.GetRawText()));
        return events;
    }

    /// <summary>Takes one JSON page of rows in memory (at most a page: the buffer's free room, up to 500 windows).</summary>
    private sealed class CaptureSink() : EncoderSink("json")
    {
        public MemoryStream Body { get; } = new();

        public override Stream Begin(ReadAnswer answer) => Body;
    }
}
