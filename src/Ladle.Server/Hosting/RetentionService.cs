using Ladle.Engine;
using Ladle.Engine.Retention;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Hosting;

/// <summary>Runs retention once at start and then every hour while the server runs.</summary>
internal sealed partial class RetentionService(LadleEngine engine, ILogger<RetentionService> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var enforcer = new RetentionEnforcer(engine.Project, engine.State, engine.Store, engine.Catalog);
        using var timer = new PeriodicTimer(Every);
        try
        {
            await PassesAsync(enforcer, timer, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: nothing to clean up.
        }
    }

    private async Task PassesAsync(RetentionEnforcer enforcer, PeriodicTimer timer, CancellationToken stoppingToken)
    {
        do
        {
            try
            {
                var result = await enforcer.RunOnceAsync(stoppingToken);
                // With versions on shared storage: what nodes killed mid-write left there, and files of versions that ended unpublished.
                await engine.RemoveSharedLeftoversAsync(stoppingToken);
                if (result.AuditEntriesDeleted > 0 || result.QuarantinedVersionsDropped.Count > 0)
                    Removed(logger, result.AuditEntriesDeleted, result.QuarantinedVersionsDropped.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(2100, LogLevel.Information, "Retention removed {Audit} audit entries and {Quarantined} quarantined versions")]
    private static partial void Removed(ILogger logger, int audit, int quarantined);

    [LoggerMessage(2101, LogLevel.Error, "Retention pass failed; it runs again within the hour")]
    private static partial void Failed(ILogger logger, Exception exception);
}
