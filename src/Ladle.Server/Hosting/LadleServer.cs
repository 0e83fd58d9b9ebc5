using Ladle.Core.Policy;
using Ladle.Engine;
using Ladle.Engine.Serving;
using Ladle.Server.Apis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Ladle.Server.Hosting;

/// <summary>Builds the HTTP host over an opened engine: every API is an adapter onto the one read pipeline.</summary>
public static class LadleServer
{
    public static WebApplication Build(LadleEngine engine, LadleServerOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (logging is not null) logging(builder.Logging);
        var address = ListenAddress.Parse(options.Http ?? engine.Project.Server.Http);
        builder.WebHost.UseUrls(address.ToUrl());
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IAccessPolicy, DevAccessPolicy>();
        builder.Services.AddSingleton<IAuditSink, LogAuditSink>();
        builder.Services.AddSingleton<IServingMetrics, PrometheusServingMetrics>();
        builder.Services.AddSingleton<ReadPipeline>();
        builder.Services.AddSingleton<PrincipalResolver>();

        var app = builder.Build();
        PrometheusMetricQueries.Register(engine.Semantic);
        app.UseMiddleware<ProblemMiddleware>();
        app.UseHttpMetrics();
        app.MapOpenApi("/openapi/v1.json");
        app.MapHealthApi();
        app.MapDatasetsApi();
        app.MapTrustApi();
        app.MapMetricsApi();
        app.MapMetrics("/metrics");
        return app;
    }
}
