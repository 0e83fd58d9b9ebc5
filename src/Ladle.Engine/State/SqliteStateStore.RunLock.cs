using System.Globalization;

namespace Ladle.Engine.State;

/// <summary>
/// Run leases (<see cref="IRunLock"/>) in the <c>run_leases</c> table: one row per dataset with its owner and expiry.
/// Each change is one statement, which SQLite runs under its write lock, so two processes can never both take a
/// lease; times are stored as fixed-width UTC text, which compares in time order.
/// </summary>
public sealed partial class SqliteStateStore
{
    public async Task<RunLease?> TryAcquireRunLeaseAsync(string dataset, string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = _clock.GetUtcNow();
        // A row whose lease is live and held by another owner is left alone, and then nothing is returned. The same
        // owner taking it again renews it and keeps when it was first taken.
        return await QueryLeaseAsync("""
            INSERT INTO run_leases (dataset, owner, acquired_at, expires_at) VALUES ($dataset, $owner, $now, $expires)
            ON CONFLICT (dataset) DO UPDATE SET
                acquired_at = CASE WHEN run_leases.owner = excluded.owner AND run_leases.expires_at > excluded.acquired_at
                                   THEN run_leases.acquired_at ELSE excluded.acquired_at END,
                owner = excluded.owner, expires_at = excluded.expires_at
            WHERE run_leases.expires_at <= excluded.acquired_at OR run_leases.owner = excluded.owner
            RETURNING dataset, owner, acquired_at, expires_at
            """, cancellationToken,
            ("$dataset", dataset), ("$owner", owner), ("$now", Format(now)), ("$expires", Format(now + duration)));
    }

    public async Task<RunLease?> RenewRunLeaseAsync(RunLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = _clock.GetUtcNow();
        return await QueryLeaseAsync("""
            UPDATE run_leases SET expires_at = $expires WHERE dataset = $dataset AND owner = $owner AND expires_at > $now
            RETURNING dataset, owner, acquired_at, expires_at
            """, cancellationToken,
            ("$dataset", lease.Dataset), ("$owner", lease.Owner), ("$now", Format(now)), ("$expires", Format(now + duration)));
    }

    public async Task<bool> ReleaseRunLeaseAsync(RunLease lease, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM run_leases WHERE dataset = $dataset AND owner = $owner";
        command.Parameters.AddWithValue("$dataset", lease.Dataset);
        command.Parameters.AddWithValue("$owner", lease.Owner);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public Task<RunLease?> FindRunLeaseAsync(string dataset, CancellationToken cancellationToken) =>
        QueryLeaseAsync("SELECT dataset, owner, acquired_at, expires_at FROM run_leases WHERE dataset = $dataset AND expires_at > $now",
            cancellationToken, ("$dataset", dataset), ("$now", Format(_clock.GetUtcNow())));

    private async Task<RunLease?> QueryLeaseAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new RunLease(reader.GetString(0), reader.GetString(1),
            DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
    }
}
