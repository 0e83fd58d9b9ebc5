using Ladle.Engine;
using Microsoft.AspNetCore.Http;

namespace Ladle.Server.Hosting;

/// <summary>
/// /healthz, /readyz and /metrics answer without a token unless access.yaml's open_endpoints leaves them out;
/// then they need any valid token, like everything else. /openapi/v1.json is open only when listed (openapi).
/// </summary>
internal sealed class OpenEndpointsMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, LadleEngine engine, PrincipalResolver principals)
    {
        var path = context.Request.Path.Value ?? "";
        var endpoint = path switch
        {
            "/healthz" or "/readyz" => "healthz",
            "/metrics" => "metrics",
            "/openapi/v1.json" => "openapi",
            _ => null,
        };
        if (endpoint is not null && !engine.Project.Access.OpenEndpoints.Contains(endpoint)) await principals.ResolveAsync(context);
        await next(context);
    }
}
