using System.Diagnostics;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Microsoft.AspNetCore.Http;

namespace Ladle.Server.Hosting;

/// <summary>
/// Audits every API request the read pipeline does not: the catalog, details, versions, health, checks, audit,
/// tokens and refreshes, whether answered or refused, and requests refused before a principal was known. Rows
/// requests are audited by the pipeline itself, with rows, bytes and filters.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, IAuditSink audit)
{
    public const string PrincipalKey = "ladle.principal";

    /// <summary>The embed subject of the request's principal, when it came with an embed token.</summary>
    public const string SubjectKey = "ladle.subject";

    /// <summary>Set by a handler that hands the request to the read pipeline, which audits it itself.</summary>
    public const string AuditedKey = "ladle.audited";

    public async Task InvokeAsync(HttpContext context)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await next(context);
        }
        finally
        {
            var path = context.Request.Path.Value ?? "";
            var principal = context.Items.TryGetValue(PrincipalKey, out var name) ? (string)name! : null;
            var isApi = path.StartsWith("/api/", StringComparison.Ordinal);
            if (isApi && !context.Items.ContainsKey(AuditedKey))
            {
                var status = context.Response.StatusCode;
                audit.Record(new AuditEntry(DateTimeOffset.UtcNow, principal ?? "unauthenticated", "rest", Target(path),
                    context.Request.Method.ToLowerInvariant() + " " + path, context.Request.QueryString.Value ?? "", 0, 0,
                    status < 400 ? "ok" : StatusName(status), clock.Elapsed)
                {
                    Subject = context.Items.TryGetValue(SubjectKey, out var subject) ? subject as string : null,
                });
            }
        }
    }

    /// <summary>The dataset a path is about, or the path itself.</summary>
    private static string Target(string path)
    {
        const string prefix = "/api/v1/datasets/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return path;
        var rest = path[prefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? rest : rest[..slash];
    }

    private static string StatusName(int status) => status switch
    {
        400 => "invalid-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        413 => "body-too-large",
        429 => "rate-limited",
        503 => "unavailable",
        500 => "error",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
