using System.Diagnostics;
using Ladle.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Hosting;

/// <summary>
/// Turns errors into ProblemDetails with the status of their category (<see cref="ErrorCategories"/>); an
/// unexpected one answers 500 with a trace id that finds it in the log, and nothing of Ladle's internals. An error after the first byte of a
/// streamed body can no longer change the status: the connection is aborted so the client sees a broken
/// transfer, never a short file that looks complete.
/// </summary>
internal sealed partial class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            if (context.Response.HasStarted)
            {
                StreamBroken(logger, e, context.Request.Path);
                context.Abort();
                return;
            }
            var info = e switch
            {
                LadleException l => ErrorCategories.Of(l.Category),
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => ErrorCategories.Of(ErrorCategory.PayloadTooLarge),
                BadHttpRequestException => ErrorCategories.Of(ErrorCategory.BadRequest),
                _ => ErrorCategories.Of(ErrorCategory.Internal),
            };
            var kind = e switch
            {
                LadleException l => l.Kind,
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => "body-too-large",
                BadHttpRequestException => "invalid-request",
                _ => info.Slug,
            };
            var status = e is BadHttpRequestException { StatusCode: var code } && code != StatusCodes.Status413PayloadTooLarge ? code : info.Status;
            var unexpected = info.Category == ErrorCategory.Internal;
            // The trace id ties the answer to the server log, which has the exception and its stack.
            var traceId = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            if (unexpected) Unexpected(logger, e, context.Request.Method, context.Request.Path, traceId);
            var problem = new ProblemDetails
            {
                Status = status,
                Type = $"https://ladle.dev/problems/{kind}",
                Title = info.Title,
                Detail = status == StatusCodes.Status413PayloadTooLarge
                    ? $"the request body is larger than the {LadleServer.MaxBodyBytes / 1024} KiB Ladle accepts; a metric query is a few hundred bytes, so send fewer or shorter filters"
                    // An unexpected error's message is about Ladle's internals: it stays in the log.
                    : unexpected ? $"Ladle failed unexpectedly; the server log has the details under trace id {traceId}" : e.Message,
                Instance = context.Request.Path,
            };
            problem.Extensions["category"] = info.Slug;
            problem.Extensions["sqlstate"] = info.SqlState;
            if (unexpected) problem.Extensions["trace_id"] = traceId;
            if (e is InvalidRequestException { Parameter: { } parameter }) problem.Extensions["parameter"] = parameter;
            if (e is SourceUnavailableException source) problem.Extensions["source"] = source.SourceName;
            if (e is SourceDataException data) problem.Extensions["source"] = data.SourceName;
            if (e is Engine.Trust.DatasetStaleException stale)
            {
                problem.Extensions["status"] = "stale";
                problem.Extensions["stale_since"] = stale.Health.Since;
                context.Response.Headers["Ladle-Data-Status"] = "stale";
            }
            if (status == 401) context.Response.Headers.WWWAuthenticate = "Bearer";
            if (e is RateLimitedException limited)
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(limited.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (e is Streams.StreamUnavailableException { RetryAfter: { } opening })
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(opening.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", context.RequestAborted);
        }
    }

    /// <summary>The HTTP status of a Ladle error, from its category (<see cref="ErrorCategories"/>).</summary>
    public static int StatusOf(LadleException e) => ErrorCategories.Of(e.Category).Status;

    [LoggerMessage(2001, LogLevel.Error, "Unexpected error answering {Method} {Path} (trace id {TraceId})")]
    private static partial void Unexpected(ILogger logger, Exception exception, string method, string path, string traceId);

    [LoggerMessage(2000, LogLevel.Warning, "Response to {Path} broke off after it started")]
    private static partial void StreamBroken(ILogger logger, Exception exception, string path);
}
