using Ladle.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Hosting;

/// <summary>
/// Turns Ladle's typed errors into ProblemDetails with the right status. An error after the first byte of a
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
        catch (Exception e) when (e is LadleException or BadHttpRequestException)
        {
            if (context.Response.HasStarted)
            {
                StreamBroken(logger, e, context.Request.Path);
                context.Abort();
                return;
            }
            var (status, kind) = e switch
            {
                LadleException l => (StatusOf(l), l.Kind),
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "body-too-large"),
                BadHttpRequestException b => (b.StatusCode, "invalid-request"),
                _ => (500, "error"),
            };
            var problem = new ProblemDetails
            {
                Status = status,
                Type = $"https://ladle.dev/problems/{kind}",
                Title = Title(status),
                Detail = status == StatusCodes.Status413PayloadTooLarge
                    ? $"the request body is larger than the {LadleServer.MaxBodyBytes / 1024} KiB Ladle accepts; a metric query is a few hundred bytes, so send fewer or shorter filters"
                    : e.Message,
                Instance = context.Request.Path,
            };
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
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
    }

    public static int StatusOf(LadleException e) => e switch
    {
        InvalidRequestException => StatusCodes.Status400BadRequest,
        UnauthorizedException => StatusCodes.Status401Unauthorized,
        ForbiddenException => StatusCodes.Status403Forbidden,
        RateLimitedException => StatusCodes.Status429TooManyRequests,
        NotFoundException => StatusCodes.Status404NotFound,
        GoneException => StatusCodes.Status410Gone,
        SourceDataException => StatusCodes.Status422UnprocessableEntity,
        SourceUnavailableException or DatasetUnavailableException or Engine.Trust.DatasetStaleException or StatementTimeoutException => StatusCodes.Status503ServiceUnavailable,
        Engine.State.StorageFullException => StatusCodes.Status507InsufficientStorage,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static string Title(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "Too many requests",
        404 => "Not found",
        410 => "Gone",
        413 => "Payload too large",
        422 => "Unprocessable source data",
        503 => "Service unavailable",
        507 => "Insufficient storage",
        _ => "Error",
    };

    [LoggerMessage(2000, LogLevel.Warning, "Response to {Path} broke off after it started")]
    private static partial void StreamBroken(ILogger logger, Exception exception, string path);
}
