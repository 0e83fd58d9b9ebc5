using Npgsql;

namespace Ladle.Engine.State;

/// <summary>
/// Run leases (<see cref="IRunLock"/>) in the <c>run_leases</c> table: one row per dataset with its owner and expiry,
/// as in SQLite. Each change is one statement: <c>INSERT … ON CONFLICT DO UPDATE … WHERE</c> locks the dataset's row
/// and judges the condition on its latest version, so of several nodes racing exactly one gets the lease.
/// </summary>
/// <remarks>
/// Why a lease row with a heartbeat rather than a session advisory lock: an advisory lock lives as long as one
/// connection, so a build would pin a connection for its whole length, and a network blip that drops it frees the
/// dataset while the old holder, unaware, goes on building. A lease names its owner, says when it expires (by the
/// store's clock, so tests advance a fake one), and tells a holder that lost it (renewal returns null) that it must
/// stop; a node killed mid-run simply stops renewing, and another takes the dataset one lease duration later.
/// </remarks>
public sealed partial class PostgresStateStore
{
    private const string LeaseColumns = "dataset, owner, acquired_at, expires_at";

    public Task<RunLease?> TryAcquireRunLeaseAsync(string dataset, string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = _clock.GetUtcNow();
        return QueryLeaseAsync($"""
            INSERT INTO run_leases AS l ({LeaseColumns}) VALUES ($1, $2, $3, $4)
            ON CONFLICT (dataset) DO UPDATE SET
                acquired_at = CASE WHEN l.owner = excluded.owner AND l.expires_at > excluded.acquired_at THEN l.acquired_at ELSE excluded.acquired_at END,
                owner = excluded.owner, expires_at = excluded.expires_at
            WHERE l.expires_at <= excluded.acquired_at OR l.owner = excluded.owner
            RETURNING {LeaseColumns}
            """, cancellationToken, dataset, owner, now, now + duration);
    }

    public Task<RunLease?> RenewRunLeaseAsync(RunLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = _clock.GetUtcNow();
        return QueryLeaseAsync($"UPDATE run_leases SET expires_at = $4 WHERE dataset = $1 AND owner = $2 AND expires_at > $3 RETURNING {LeaseColumns}",
            cancellationToken, lease.Dataset, lease.Owner, now, now + duration);
    }

    public async Task<bool> ReleaseRunLeaseAsync(RunLease lease, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM run_leases WHERE dataset = $1 AND owner = $2", cancellationToken, lease.Dataset, lease.Owner) == 1;

    public Task<RunLease?> FindRunLeaseAsync(string dataset, CancellationToken cancellationToken) =>
        QueryLeaseAsync($"SELECT {LeaseColumns} FROM run_leases WHERE dataset = $1 AND expires_at > $2", cancellationToken, dataset, _clock.GetUtcNow());

    private async Task<RunLease?> QueryLeaseAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new RunLease(reader.GetString(0), reader.GetString(1), At(reader, 2), At(reader, 3));
    }
}
