using Ladle.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Queries;

/// <summary>Registers the handlers' query services, each given only the parts of the engine it reads.</summary>
public static class QueryServices
{
    public static IServiceCollection AddLadleQueries(this IServiceCollection services, LadleEngine engine)
    {
        // The project's definitions (datasets, access.yaml, the semantic layer) are read-only: handlers read them directly.
        services.AddSingleton(engine.Project);
        services.AddSingleton(engine.Semantic);
        services.AddSingleton(_ => new TrustQueries(engine.Project.Name, engine.Catalog, engine.State, engine.Checks, engine.Writes));
        services.AddSingleton(sp => new DatasetQueries(sp.GetRequiredService<TrustQueries>(), engine.Schemas, engine.State));
        services.AddSingleton(_ => new AuditQueries(engine.State));
        return services;
    }
}
