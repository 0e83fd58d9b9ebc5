using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Engine;
using Ladle.Engine.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Hosting;

/// <summary>
/// A started Ladle server: what <c>ladle serve</c> runs, composed here so that tests start exactly the same way. Start-up
/// builds the access policy (a key file that cannot be read stops it with its reason), listens, announces where it
/// answers (<see cref="LadleServerAnnouncement"/>), and queues a build of every table dataset never published.
/// </summary>
public sealed class LadleServerHost : IAsyncDisposable
{
    /// <summary>The trigger recorded on builds of never-published datasets at start.</summary>
    public const string StartupTrigger = "startup";

    private readonly WebApplication _app;
    private readonly IDisposable _announcement;

    private LadleServerHost(WebApplication app, string url, IDisposable announcement, IReadOnlyList<QueuedRun> startupBuilds)
    {
        _app = app;
        Postgres = app.Services.GetService<Ladle.Server.Postgres.PgListener>();
        Url = url;
        _announcement = announcement;
        StartupBuilds = startupBuilds;
    }

    /// <summary>The address the server answers at, as bound (a port of 0 is resolved).</summary>
    public string Url { get; }

    /// <summary>The PostgreSQL wire-protocol listener (where it answers, its TLS fingerprint); null when not configured.</summary>
    public Ladle.Server.Postgres.PgListener? Postgres { get; }

    /// <summary>The host's services (the scheduler, the alert dispatcher, the audit writer).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Builds queued at start for table datasets that were never published; requests for them answer 503 until then.</summary>
    public IReadOnlyList<QueuedRun> StartupBuilds { get; }

    /// <summary>Builds the server over <paramref name="engine"/>, starts it and does the start-up work.</summary>
    public static async Task<LadleServerHost> StartAsync(LadleEngine engine, LadleServerOptions options,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var app = LadleServer.Build(engine, options, logging);
        try
        {
            // Built now rather than on the first request, so a key file that cannot be written or read stops the start with its reason.
            app.Services.GetRequiredService<IAccessPolicy>();
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var postgres = app.Services.GetService<Ladle.Server.Postgres.PgListener>();
        var url = Ladle.Server.Postgres.PgListenerSetup.HttpUrl(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [], postgres)
            ?? ListenAddress.Parse(options.Http ?? engine.Project.Server.Http).ToUrl();
        var announcement = LadleServerAnnouncement.Announce(engine.Project, url, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ladle.Server"));

        // Table datasets that were never published are built once in the background, so a new project serves without
        // a separate materialize step. They go through the scheduler's queue like every other run, so a refresh or
        // schedule meanwhile joins them instead of racing.
        var unpublished = engine.Project.Datasets
            .Where(d => d.Materialization == Materialization.Table && d.Stream is null && engine.Catalog.Current(d.Name) is null)
            .Select(d => d.Name).ToList();
        var builds = unpublished.Count > 0
            ? app.Services.GetRequiredService<DatasetScheduler>().Request(unpublished, StartupTrigger)
            : [];
        return new LadleServerHost(app, url, announcement, builds);
    }

    /// <summary>Waits until the host is told to stop (Ctrl+C, SIGTERM) or <paramref name="cancellationToken"/> fires.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _app.WaitForShutdownAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    /// <summary>
    /// Stops serving. Stopping the host stops the scheduler: runs under way are cancelled and recorded as interrupted,
    /// to run again at the next start.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _announcement.Dispose();
        await _app.DisposeAsync();
    }
}
