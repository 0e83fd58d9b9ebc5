using System.Net;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Serving;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>
/// POST /api/v1/sql: the owner's SQL (<c>ladle query</c>) run by the server that holds the store. Only for the
/// project's owner on this machine: from loopback, with the owner key of <c>.ladle/</c> (<see cref="OwnerKey"/>),
/// never a token. It runs as the local principal through the read pipeline, audited as <c>cli</c> like a local run;
/// the body is the statement, the answer csv or ndjson.
/// </summary>
public static class OwnerSqlApi
{
    public static IEndpointRouteBuilder MapOwnerSqlApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/sql", Run).WithTags("Owner").WithName("OwnerSql").ExcludeFromDescription();
        return app;
    }

    /// <summary>True when the request carries the owner key (it then must come from loopback with the right key, or is refused).</summary>
    public static bool AsksAsOwner(HttpContext context) => context.Request.Headers.ContainsKey(OwnerKey.Header);

    /// <summary>
    /// Admits the project's owner on this machine (loopback, the owner key) and marks the request as the local
    /// principal's for the audit; anyone else is refused with <paramref name="refusal"/>, counted as a failure.
    /// </summary>
    public static Principal AdmitOwner(HttpContext context, ProjectDefinition project, RateLimits limits, string refusal)
    {
        var address = context.Connection.RemoteIpAddress;
        limits.CheckAddress(address?.ToString() ?? "unknown");
        if (address is null || !IPAddress.IsLoopback(address) ||
            !OwnerKey.Matches(Path.GetDirectoryName(project.StatePath)!, context.Request.Headers[OwnerKey.Header]))
        {
            limits.CountFailure(address?.ToString() ?? "unknown");
            throw new ForbiddenException(refusal);
        }
        context.Items[AuditMiddleware.PrincipalKey] = Principal.Local.Name;
        return Principal.Local;
    }

    private static async Task Run(HttpContext context, ReadPipeline pipeline, ProjectDefinition project, RateLimits limits)
    {
        AdmitOwner(context, project, limits, "only the project's owner may run SQL over the store: use `ladle query` on the machine that serves it");
        using var reader = new StreamReader(context.Request.Body);
        var sql = await reader.ReadToEndAsync(context.RequestAborted);
        var format = context.Request.Query["format"].ToString() is { Length: > 0 } asked ? asked : "ndjson";
        if (format is not ("csv" or "json" or "ndjson"))
            throw new InvalidRequestException($"unknown format '{format}'; expected csv, json or ndjson", "format");
        context.Items[AuditMiddleware.AuditedKey] = true;
        await pipeline.ServeAsync(new TrustedSqlRequest { Principal = Principal.Local, Interface = "cli", Sql = sql },
            new OwnerSink(context, ResultEncoders.Get(format)), context.RequestAborted);
    }

    /// <summary>The console's sink over HTTP: every row in the encoder's format, as `ladle query` writes it locally.</summary>
    private sealed class OwnerSink(HttpContext context, IResultEncoder encoder) : IReadSink
    {
        private static readonly SinkCapabilities Everything = new() { Unbounded = true };

        public string Format => encoder.Format;
        public SinkCapabilities Capabilities => Everything;
        public IResultEncoder? Encoder => null;

        public Stream Begin(ReadAnswer answer)
        {
            context.Response.ContentType = encoder.ContentType;
            return context.Response.Body;
        }

        public Task WriteAsync(ResultStream rows, Stream body, EncodeContext context, CancellationToken cancellationToken) =>
            encoder.WriteAsync(rows, body, new EncodeContext { Name = context.Name }, cancellationToken);
    }
}
