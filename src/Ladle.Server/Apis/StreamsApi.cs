using System.Globalization;
using Ladle.Core.Errors;
using Ladle.Core.Policy;
using Ladle.Engine.Serving;
using Ladle.Server.Hosting;
using Ladle.Streams;
using Ladle.Streams.Ingest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>
/// /api/v1/streams: events in (POST …/events, a token with 'write' on the stream), a stream's figures, and its closed
/// windows live over server-sent events (GET …/live), read through the read pipeline as the subscriber, so its row
/// filters and masks apply exactly as to GET /datasets/{windows dataset}/rows.
/// </summary>
public static class StreamsApi
{
    public static IEndpointRouteBuilder MapStreamsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/streams").WithTags("Streams");
        group.MapGet("/", List).WithName("ListStreams").WithSummary("The streams the caller may see, with their figures.");
        group.MapGet("/{name}", Get).WithName("GetStream").WithSummary("A stream's figures: ingest rate, lag, late and rejected events, open windows, subscribers.");
        group.MapPost("/{name}/events", Ingest).WithName("IngestEvents")
            .WithSummary("Sends events (NDJSON, or a JSON array of objects); answered once the accepted ones are on the disk.");
        group.MapGet("/{name}/live", StreamLive.ServeAsync).WithName("LiveWindows")
            .WithSummary("Closed windows as server-sent events (id = the window's seq; Last-Event-ID resumes).");
        return app;
    }

    /// <summary>The answer to an ingest batch: counts, and the line and reason of each refused event (the first 100).</summary>
    public sealed record IngestAnswer(long Accepted, long Rejected, long Late, IReadOnlyList<EventError> Errors);

    private static async Task<Results<Ok<IngestAnswer>, ProblemHttpResult>> Ingest(string name, HttpContext context, PrincipalResolver principals,
        ReadPipeline pipeline, StreamService streams, Engine.Access.IAuditSink audit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var principal = await principals.ResolveAsync(context);
        var stream = streams.Find(name);
        pipeline.Policy.AuthorizeStream(principal, stream.Name, DataAction.Write);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0) throw new InvalidRequestException("the body is empty; send events as NDJSON (one JSON object per line) or a JSON array", "body");
        // The fsync is the answer's price: the handler waits for it, off the request's thread pool only as long as the disk takes.
        var result = streams.Ingest(stream.Name, buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        // The batch's counts in the audit: rows are the events accepted, the filters field says what else became of them.
        audit.Record(new Engine.Access.AuditEntry(DateTimeOffset.UtcNow, principal.Name, "rest", "stream:" + stream.Name,
            $"post /api/v1/streams/{stream.Name}/events", result.AuditCounts(), result.Accepted, buffer.Length, result.NothingTaken ? "invalid-request" : "ok", clock.Elapsed));
        context.Items[AuditMiddleware.AuditedKey] = true;
        if (result.NothingTaken)
        {
            return TypedResults.Problem(
                detail: result.Refused
                    ? $"{result.Rejected} event(s) refused: stream '{stream.Name}' refuses a batch with any bad event (bad_events: refuse_batch); nothing was accepted"
                    : $"none of the {result.Rejected} event(s) was accepted; see 'errors' for each line's reason",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid events",
                type: "https://ladle.dev/problems/invalid-events",
                extensions: new Dictionary<string, object?>
                {
                    ["category"] = "bad-request",
                    ["accepted"] = result.Accepted,
                    ["rejected"] = result.Rejected,
                    ["errors"] = result.Errors,
                });
        }
        return TypedResults.Ok(new IngestAnswer(result.Accepted, result.Rejected, result.Late, result.Errors));
    }

    private static async Task<Ok<StreamStatus>> Get(string name, HttpContext context, PrincipalResolver principals, ReadPipeline pipeline, StreamService streams)
    {
        var principal = await principals.ResolveAsync(context);
        var stream = streams.Find(name);
        if (!await MaySeeAsync(pipeline, principal, stream, context.RequestAborted)) pipeline.Policy.AuthorizeStream(principal, stream.Name, DataAction.Write);
        return TypedResults.Ok(streams.Status(stream.Name));
    }

    private static async Task<Ok<IReadOnlyList<StreamStatus>>> List(HttpContext context, PrincipalResolver principals, ReadPipeline pipeline, StreamService streams)
    {
        var principal = await principals.ResolveAsync(context);
        var visible = new List<StreamStatus>();
        foreach (var stream in streams.Streams)
            if (MayWrite(pipeline, principal, stream.Name) || await MaySeeAsync(pipeline, principal, stream, context.RequestAborted))
            {
                // A stream still replaying its log at start (or that failed to open) answers 503 on its own address.
                try { visible.Add(streams.Status(stream.Name)); }
                catch (StreamUnavailableException) { }
            }
        return TypedResults.Ok<IReadOnlyList<StreamStatus>>(visible);
    }

    /// <summary>
    /// A stream's figures (event counts, keys, open windows) count every key's events: they are shown to whoever writes
    /// its events or reads all of its windows, not to a reader whose row filter shows only some keys (a household).
    /// </summary>
    private static async Task<bool> MaySeeAsync(ReadPipeline pipeline, Principal principal, Core.Model.Streams.StreamDefinition stream, CancellationToken ct) =>
        pipeline.Catalog(principal).FirstOrDefault(d => string.Equals(d.Name, stream.Dataset, StringComparison.OrdinalIgnoreCase)) is { } dataset
        && await pipeline.ReadsWholeAsync(principal, dataset, ct);

    private static bool MayWrite(ReadPipeline pipeline, Principal principal, string stream)
    {
        try
        {
            pipeline.Policy.AuthorizeStream(principal, stream, DataAction.Write);
            return true;
        }
        catch (LadleException) { return false; }
    }

    internal static long ParseEventId(string text, string parameter) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new InvalidRequestException($"{parameter} must be a window's seq (a whole number), not '{text}'", parameter);
}
