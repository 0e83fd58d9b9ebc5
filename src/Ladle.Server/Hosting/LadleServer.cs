using Ladle.Core.Policy;
using Ladle.Engine;
using Ladle.Engine.Access;
using Ladle.Engine.Alerts;
using Ladle.Engine.Scheduling;
using Ladle.Engine.Serving;
using Ladle.Server.Apis;
using Ladle.Server.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Ladle.Server.Hosting;

/// <summary>Builds the HTTP host over an opened engine: every API is an adapter onto the one read pipeline.</summary>
public static class LadleServer
{
    /// <summary>The largest request body accepted (a metric query is a few hundred bytes); larger ones are answered 413.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    public static WebApplication Build(LadleEngine engine, LadleServerOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (logging is not null) logging(builder.Logging);
        var address = ListenAddress.Parse(options.Http ?? engine.Project.Server.Http);
        Postgres.PgListenerSetup.Listen(builder, engine, options, address);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = Contracts.ApiJson.Options.PropertyNamingPolicy);
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IAccessPolicy>(_ => new AccessPolicy(engine.Project, MaskKey.Load(Path.GetDirectoryName(engine.Project.StatePath)!), options.Dev));
        builder.Services.AddSingleton<AuditWriter>();
        builder.Services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<AuditWriter>());
        builder.Services.AddSingleton(engine.State);
        builder.Services.AddSingleton<Engine.State.IAuditStore>(engine.State);
        builder.Services.AddSingleton(_ => new TokenService(engine.Project, engine.State));
        builder.Services.AddSingleton(sp => new WebSessions(sp.GetRequiredService<TokenService>(), engine.State, engine.State, options.WebSessions, options.Clock));
        builder.Services.AddSingleton(_ => new EmbedTokens(engine.Project));
        // With several nodes, a principal's limits are counted in the shared state, so they hold across nodes.
        builder.Services.AddSingleton(_ => new RateLimits(engine.Project.Access, shared: engine.RateCounter));
        builder.Services.AddSingleton<IServingMetrics, PrometheusServingMetrics>();
        builder.Services.AddSingleton(sp =>
        {
            var pipeline = new ReadPipeline(engine.Project, engine.Reader, engine.Schemas, engine.Semantic, engine.Trust,
                sp.GetRequiredService<IAccessPolicy>(), sp.GetRequiredService<IAuditSink>(), sp.GetRequiredService<IServingMetrics>(), sp.GetRequiredService<RateLimits>())
            {
                OnlineFeatures = sp.GetRequiredService<Engine.Features.OnlineFeatureStore>(),
                LookupAudit = sp.GetRequiredService<LookupAuditSampler>(),
            };
            // SQL clients read the project's catalog as PostgreSQL's, each principal only its datasets and the metric
            // relations of the metrics it may query.
            pipeline.SqlCatalog = new Engine.SqlGateway.Catalog.PgCatalog(engine.Project, sp.GetRequiredService<IAccessPolicy>()) { MetricScopes = pipeline.MetricScopeOf };
            return pipeline;
        });
        builder.Services.AddSingleton(sp => new LookupAuditSampler(engine.Project.FeatureSettings.AuditFullPerSecond, engine.Project.FeatureSettings.AuditOneIn,
            sp.GetRequiredService<IAuditSink>(), options.Clock ?? TimeProvider.System));
        // Online features: built from the served versions at start and on every publication, answered from memory.
        builder.Services.AddSingleton(_ => new Engine.Features.OnlineFeatureStore(engine.Project, engine.Store, engine.Catalog,
            options.Clock ?? TimeProvider.System, engine.Loggers.CreateLogger("Ladle.Features"), Engine.Features.OnlineBackends.Create(engine.Project)));
        builder.Services.AddLadleQueries(engine);
        // Reverse ETL: syncs read through the same pipeline as their principal and run on their schedule or on publication.
        builder.Services.AddSingleton(sp => new Syncs.SyncService(engine.Project, sp.GetRequiredService<ReadPipeline>(), engine.Store, engine.State,
            new Syncs.Delivery.SyncDestinations(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }), options.Clock, engine.Loggers.CreateLogger("Ladle.Syncs"),
            sp.GetRequiredService<IAuditSink>()));
        builder.Services.AddHostedService(sp => new Syncs.SyncScheduler(sp.GetRequiredService<Syncs.SyncService>(), engine.Catalog,
            options.Clock, sp.GetRequiredService<ILogger<Syncs.SyncScheduler>>()));
        // Streams: ingest into a durable log, windows on event time, closed windows published into their dataset.
        builder.Services.AddSingleton(sp => new Streams.StreamService(engine.Project, engine.Store, engine.Publisher, engine.Catalog,
            options.Clock ?? TimeProvider.System, engine.Loggers.CreateLogger("Ladle.Streams"), engine.State, sp.GetRequiredService<AlertDispatcher>(),
            sp.GetRequiredService<IAuditSink>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Streams.StreamService>());
        builder.Services.AddHostedService<RetentionService>();
        // Several nodes: other nodes' publications, quarantines and revocations reach this one.
        builder.Services.AddHostedService<StateChangeService>();
        builder.Services.AddSingleton<PrincipalResolver>();
        // The dispatcher is registered first so that it stops last: the monitor stops raising alerts, then the
        // dispatcher flushes what is queued within its bounded wait.
        builder.Services.AddSingleton(sp => new AlertDispatcher(engine.Project, options.AlertDelivery, sp.GetRequiredService<ILogger<AlertDispatcher>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertDispatcher>());
        builder.Services.AddSingleton(sp => new IncidentMonitor(engine.Project, engine.Catalog, engine.State, engine.Publisher,
            sp.GetRequiredService<AlertDispatcher>(), sp.GetRequiredService<ILogger<IncidentMonitor>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IncidentMonitor>());
        // One scheduler per engine: it runs the cron schedules and is the only way runs start while serving.
        builder.Services.AddSingleton(_ => new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher,
            logger: engine.Loggers.CreateLogger("Ladle.Scheduler"), claims: engine.RunClaims));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatasetScheduler>());

        var app = builder.Build();
        app.UseMiddleware<AuditMiddleware>();
        PrometheusMetricQueries.Register(engine.Semantic);
        PrometheusServingMetrics.Register(app.Services.GetRequiredService<AuditWriter>(), engine.Writes);
        if (engine.StoreConnector.Reads is { } reads) PrometheusReadSlots.Register(reads);
        // Every finished sync run: its series at /metrics, and incidents with alerts through the project's channels.
        var syncs = app.Services.GetRequiredService<Syncs.SyncService>();
        syncs.Observers.Add(new PrometheusSyncMetrics(engine.Project.Syncs, engine.State));
        syncs.Observers.Add(new Syncs.Observing.SyncIncidents(engine.State, app.Services.GetRequiredService<AlertDispatcher>(), engine.Project.Name, options.Clock));
        PrometheusStreams.Register(app.Services.GetRequiredService<Streams.StreamService>());
        app.Services.GetRequiredService<Engine.Features.OnlineFeatureStore>().Start();
        PrometheusFeatureMetrics.Register(engine.Project, app.Services.GetRequiredService<Engine.Features.OnlineFeatureStore>(), app.Services.GetRequiredService<LookupAuditSampler>());
        app.UseMiddleware<ProblemMiddleware>();
        app.UseMiddleware<OpenEndpointsMiddleware>();
        app.UseHttpMetrics();
        app.MapOpenApi("/openapi/v1.json");
        app.MapHealthApi();
        app.MapDatasetsApi();
        app.MapTrustApi();
        app.MapAccessApi();
        app.MapRefreshApi();
        app.MapMetricsApi();
        app.MapDashboardsApi();
        app.MapOwnerSqlApi();
        app.MapFeaturesApi();
        app.MapSyncsApi();
        app.MapStreamsApi();
        app.MapSessionApi();
        app.MapOpsApi();
        app.MapMetrics("/metrics");
        // The web UI at /: static pages over the public API above.
        WebUi.WebUiEndpoints.MapWebUi(app);
        return app;
    }
}
