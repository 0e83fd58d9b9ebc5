using Ladle.Engine;
using Microsoft.Extensions.Hosting;

namespace Ladle.Server.Hosting;

/// <summary>
/// With the state on PostgreSQL, listens for what other nodes change (LISTEN/NOTIFY) and applies it to this node
/// (<see cref="VersionFollower"/>): their publications are served here within a moment, their quarantines and failures
/// are this node's status too. A reconcile with the tables runs after every reconnection and every
/// <see cref="ReconcileEvery"/>, for notifications lost while the connection was down. A one-node (SQLite) server has
/// nothing to listen to and this service does nothing.
/// </summary>
internal sealed class StateChangeService(LadleEngine engine) : BackgroundService
{
    /// <summary>How often the catalog is compared with the state even without a notification.</summary>
    public static TimeSpan ReconcileEvery { get; } = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (engine.Changes is not { } changes) return;
        try
        {
            await changes.ListenAsync(engine.Follower.ApplyAsync, ReconcileEvery, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
