using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Ladle.Engine.State;

/// <summary>
/// Change propagation between nodes (<see cref="IStateChangeFeed"/>): a write other nodes cache the result of sends a
/// NOTIFY on the schema's channel in its own transaction, so the notification leaves exactly when the change commits;
/// each serving node LISTENs on one connection of its own and reconciles with the tables after every reconnection and
/// periodically, since a notification sent while it was disconnected is never delivered again.
/// </summary>
public sealed partial class PostgresStateStore : IStateChangeFeed
{
    /// <summary>The channel of this schema: one per project, so projects sharing a database do not wake each other.</summary>
    internal string Channel
    {
        get
        {
            // Channel names are identifiers of at most 63 bytes.
            var name = "ladle_" + Schema;
            return name.Length <= 63 ? name : "ladle_" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Schema)))[..32].ToLowerInvariant();
        }
    }

    /// <summary>Runs <paramref name="sql"/> and sends <paramref name="change"/> in one transaction; returns the rows changed.</summary>
    private async Task<int> ExecuteAndNotifyAsync(string sql, StateChange change, CancellationToken ct, params object?[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        int changed;
        await using (var command = Command(connection, sql, parameters))
        {
            command.Transaction = transaction;
            changed = await command.ExecuteNonQueryAsync(ct);
        }
        if (changed > 0)
        {
            await using var notify = Command(connection, "SELECT pg_notify($1, $2)", Channel, change.ToPayload());
            notify.Transaction = transaction;
            await notify.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return changed;
    }

    /// <inheritdoc/>
    public async Task ListenAsync(Func<StateChange, CancellationToken, Task> onChange, TimeSpan reconcileEvery, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ListenOnceAsync(onChange, reconcileEvery, cancellationToken);
            }
            catch (Exception e) when (e is NpgsqlException or StateUnavailableException or IOException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                // The connection broke (the server restarted, a network cut): listen again, and reconcile once back,
                // since what was sent meanwhile is lost. The wait grows to 5 s while the server stays away.
                await Task.Delay(backoff, _clock, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task ListenOnceAsync(Func<StateChange, CancellationToken, Task> onChange, TimeSpan reconcileEvery, CancellationToken ct)
    {
        await using var connection = await OpenListeningAsync(ct);
        var received = new List<StateChange>();
        connection.Notification += (_, e) =>
        {
            lock (received) received.Add(StateChange.Parse(e.Payload));
        };
        await using (var listen = new NpgsqlCommand($"LISTEN \"{Channel}\"", connection))
            await listen.ExecuteNonQueryAsync(ct);
        // Listening from here on: whatever changed before is read from the tables.
        await onChange(StateChange.Resync, ct);
        var reconcileAt = _clock.GetUtcNow() + reconcileEvery;
        while (true)
        {
            var wait = reconcileAt - _clock.GetUtcNow();
            if (wait <= TimeSpan.Zero || !await connection.WaitAsync(wait, ct))
            {
                // Quiet for a while: prove the connection is alive (a dead one throws here) and reconcile anyway.
                await using (var ping = new NpgsqlCommand("SELECT 1", connection))
                    await ping.ExecuteScalarAsync(ct);
                lock (received) received.Clear();
                await onChange(StateChange.Resync, ct);
                reconcileAt = _clock.GetUtcNow() + reconcileEvery;
                continue;
            }
            List<StateChange> changes;
            lock (received)
            {
                changes = received.Distinct().ToList();
                received.Clear();
            }
            foreach (var change in changes) await onChange(change, ct);
        }
    }

    private async Task<NpgsqlConnection> OpenListeningAsync(CancellationToken ct)
    {
        try
        {
            return await _listenSource.OpenConnectionAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
        {
            throw new StateUnavailableException($"the state store at {Location} is unreachable: {Describe(e)}", e);
        }
    }
}
