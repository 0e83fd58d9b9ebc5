using Ladle.Core.Loading;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Ladle.Engine.State;
using Ladle.Server.Hosting;
using Ladle.Server.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>Embed tokens for applications, and the audit log for admins.</summary>
public static class AccessApi
{
    public static IEndpointRouteBuilder MapAccessApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/embed/tokens", CreateEmbedToken).WithTags("Access").WithName("CreateEmbedToken")
            .WithSummary("Sign a short-lived embed token for a principal with attributes, narrowed to datasets and metrics (admin or 'embed' grant).");
        app.MapGet("/api/v1/audit", Audit).WithTags("Access").WithName("Audit")
            .WithSummary("Audit entries, newest first: principal=, dataset=, since= (e.g. 1d), limit= (admin).");
        return app;
    }

    private static async Task<Ok<EmbedTokenResponse>> CreateEmbedToken(EmbedTokenRequest body, HttpContext context, PrincipalResolver principals, Engine.Serving.ReadPipeline pipeline,
        Core.Model.ProjectDefinition project, EmbedTokens embed)
    {
        var principal = await principals.ResolveAsync(context);
        var maxTtl = project.Access.Embed.MaxTtl;
        var ttl = maxTtl < TimeSpan.FromMinutes(15) ? maxTtl : TimeSpan.FromMinutes(15);
        if (body.Ttl is { } ttlText && !Durations.TryParse(ttlText, out ttl))
            throw new Core.Errors.InvalidRequestException($"ttl '{(ttlText.Length > 40 ? ttlText[..40] + "…" : ttlText)}' is not a duration ({Durations.Expected}) of at most embed.max_ttl ({maxTtl})", "ttl");
        var request = EmbedGrants.Check(principal,
            new EmbedRequest(body.Principal ?? "", body.Attributes ?? new Dictionary<string, string>(), body.Datasets, body.Metrics, ttl)
            {
                Subject = body.Subject,
                Dashboards = body.Dashboards,
                Export = body.Export ?? false,
                Theme = body.Theme,
            }, project, pipeline.Policy,
            embedder => pipeline.MetricsCatalog(embedder).Select(m => m.Name));
        var (token, expires) = embed.Sign(request, DateTimeOffset.UtcNow);
        return TypedResults.Ok(new EmbedTokenResponse(token, expires, request.Principal, request.SubjectOrDefault));
    }

    private static async Task<Ok<AuditResponse>> Audit(HttpContext context, PrincipalResolver principals, Engine.Serving.ReadPipeline pipeline, AuditQueries audit, AuditWriter writer,
        string? principal, string? dataset, string? since, int? limit, CancellationToken ct)
    {
        var caller = await principals.ResolveAsync(context);
        pipeline.Policy.AuthorizeProject(caller, DataAction.Admin);
        DateTimeOffset? from = null;
        if (since is not null)
        {
            if (!Durations.TryParse(since, out var span)) throw new Core.Errors.InvalidRequestException($"since '{since}' is not a duration ({Durations.Expected})", "since");
            from = DateTimeOffset.UtcNow - span;
        }
        await writer.FlushAsync();
        var entries = await audit.QueryAsync(new AuditQuery(principal, dataset, from, Math.Clamp(limit ?? 1000, 1, 100_000)), ct);
        return TypedResults.Ok(new AuditResponse(entries));
    }

    /// <summary>What an application asks an embed token for.</summary>
    public sealed record EmbedTokenRequest(string? Principal, Dictionary<string, string>? Attributes, List<string>? Datasets, List<string>? Metrics, string? Ttl, string? Subject = null,
        List<string>? Dashboards = null, bool? Export = null, Dictionary<string, string>? Theme = null);

    /// <summary>A signed embed token.</summary>
    public sealed record EmbedTokenResponse(string Token, DateTimeOffset ExpiresAt, string Principal, string Subject);

    /// <summary>Audit entries.</summary>
    public sealed record AuditResponse(IReadOnlyList<AuditRecord> Entries);
}
