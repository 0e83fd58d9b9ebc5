using Ladle.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>Liveness and readiness for load balancers and orchestrators.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithName("Healthz");
        app.MapGet("/readyz", Ready).WithName("Readyz");
        return app;
    }

    private static Results<Ok<ReadyResponse>, ProblemHttpResult> Ready(LadleEngine engine)
    {
        // The server is built over an engine that has loaded and recovered the project; the store must still answer.
        try
        {
            using var connection = engine.Store.Open();
            return TypedResults.Ok(new ReadyResponse("ready", engine.Project.Name, engine.Project.Datasets.Count));
        }
        catch (DuckDB.NET.Data.DuckDBException e)
        {
            return TypedResults.Problem($"the store cannot be opened: {e.Message}", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>The body of /readyz.</summary>
    public sealed record ReadyResponse(string Status, string Project, int Datasets);
}
