using Npgsql;
using NpgsqlTypes;

namespace Ladle.Engine.State;

/// <summary>The version ledger (<see cref="IVersionLedger"/>) in the <c>versions</c> table.</summary>
public sealed partial class PostgresStateStore
{
    private const string VersionColumns = "dataset, version, status, started_at, finished_at, published_at, row_count, watermark, error, trigger";

    public async Task<VersionRecord> BeginVersionAsync(string dataset, string trigger, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Two nodes reading the same max would both insert it: the dataset's advisory lock (held to the commit) makes
        // allocations of one dataset take turns, while other datasets go on in parallel.
        await using (var turn = Command(connection, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", $"ladle-state-versions:{Schema}:{dataset}"))
        {
            turn.Transaction = transaction;
            await turn.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = Command(connection, """
            INSERT INTO versions (dataset, version, status, started_at, trigger)
            SELECT $1, COALESCE(MAX(version), 0) + 1, 'building', $2, $3 FROM versions WHERE dataset = $1
            RETURNING version
            """, dataset, startedAt, trigger);
        command.Transaction = transaction;
        var version = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new VersionRecord { Dataset = dataset, Version = version, Status = VersionStatus.Building, StartedAt = StateTime.Truncate(startedAt), Trigger = trigger };
    }

    // Publication, quarantine and failure change what every node serves or says about a dataset: each notifies.
    public Task PublishVersionAsync(string dataset, long version, long rowCount, string? watermark, DateTimeOffset publishedAt, CancellationToken cancellationToken) =>
        ExecuteAndNotifyAsync(
            "UPDATE versions SET status = 'published', finished_at = $3, published_at = $3, row_count = $4, watermark = $5 WHERE dataset = $1 AND version = $2",
            new StateChange(StateChangeKind.Versions, dataset), cancellationToken, dataset, version, publishedAt, rowCount, Typed(watermark, NpgsqlDbType.Text));

    public Task FailVersionAsync(string dataset, long version, string error, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        ExecuteAndNotifyAsync("UPDATE versions SET status = 'failed', finished_at = $3, error = $4 WHERE dataset = $1 AND version = $2",
            new StateChange(StateChangeKind.Versions, dataset), cancellationToken, dataset, version, finishedAt, error);

    public Task MarkDroppedAsync(string dataset, long version, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE versions SET status = 'dropped' WHERE dataset = $1 AND version = $2 AND status IN ('published', 'quarantined')",
            cancellationToken, dataset, version);

    public Task QuarantineVersionAsync(string dataset, long version, long rowCount, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        ExecuteAndNotifyAsync("UPDATE versions SET status = 'quarantined', finished_at = $3, row_count = $4, error = $5 WHERE dataset = $1 AND version = $2",
            new StateChange(StateChangeKind.Versions, dataset), cancellationToken, dataset, version, finishedAt, rowCount, reason);

    public Task<IReadOnlyList<VersionRecord>> ListQuarantinedAsync(CancellationToken cancellationToken) =>
        QueryVersionsAsync($"SELECT {VersionColumns} FROM versions WHERE status = 'quarantined' ORDER BY dataset, version DESC", cancellationToken);

    public Task InterruptVersionAsync(string dataset, long version, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE versions SET status = 'interrupted', finished_at = $3, error = $4 WHERE dataset = $1 AND version = $2",
            cancellationToken, dataset, version, finishedAt, reason);

    public Task<IReadOnlyList<VersionRecord>> ListAllVersionsAsync(CancellationToken cancellationToken) =>
        QueryVersionsAsync($"SELECT {VersionColumns} FROM versions ORDER BY dataset, version", cancellationToken);

    public async Task<bool> RestoreVersionAsync(VersionRecord version, CancellationToken cancellationToken) =>
        await ExecuteAsync("""
            INSERT INTO versions (dataset, version, status, started_at, finished_at, published_at, row_count, watermark, error, trigger)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (dataset, version) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
                published_at = excluded.published_at, row_count = excluded.row_count, watermark = excluded.watermark, error = excluded.error
            WHERE versions.status = 'building' AND excluded.status <> 'building'
            """, cancellationToken,
            version.Dataset, version.Version, version.Status.ToString().ToLowerInvariant(), version.StartedAt,
            Typed(version.FinishedAt is { } f ? StateTime.Utc(f) : null, NpgsqlDbType.TimestampTz),
            Typed(version.PublishedAt is { } p ? StateTime.Utc(p) : null, NpgsqlDbType.TimestampTz),
            Typed(version.RowCount, NpgsqlDbType.Bigint), Typed(version.Watermark, NpgsqlDbType.Text),
            Typed(version.Error, NpgsqlDbType.Text), Typed(version.Trigger, NpgsqlDbType.Text)) > 0;

    public Task<int> FailInterruptedAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        // A version whose dataset's run lease is live is being built by a process that still runs (another node):
        // only the building versions nobody holds are left over from a process that died.
        ExecuteAsync("""
            UPDATE versions SET status = 'interrupted', finished_at = $1, error = $2
            WHERE status = 'building' AND NOT EXISTS (SELECT 1 FROM run_leases l WHERE l.dataset = versions.dataset AND l.expires_at > $3)
            """, cancellationToken, at, reason, _clock.GetUtcNow());

    public Task<IReadOnlyList<VersionRecord>> ListVersionsAsync(string dataset, int limit, CancellationToken cancellationToken) =>
        QueryVersionsAsync($"SELECT {VersionColumns} FROM versions WHERE dataset = $1 ORDER BY version DESC LIMIT $2", cancellationToken, dataset, limit);

    public Task<IReadOnlyList<VersionRecord>> ListPublishedAsync(CancellationToken cancellationToken) =>
        QueryVersionsAsync($"SELECT {VersionColumns} FROM versions WHERE status = 'published' ORDER BY dataset, version DESC", cancellationToken);

    private async Task<IReadOnlyList<VersionRecord>> QueryVersionsAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var result = new List<VersionRecord>();
        while (await reader.ReadAsync(ct))
        {
            result.Add(new VersionRecord
            {
                Dataset = reader.GetString(0),
                Version = reader.GetInt64(1),
                Status = Enum.Parse<VersionStatus>(reader.GetString(2), ignoreCase: true),
                StartedAt = At(reader, 3),
                FinishedAt = NullableAt(reader, 4),
                PublishedAt = NullableAt(reader, 5),
                RowCount = NullableLong(reader, 6),
                Watermark = NullableString(reader, 7),
                Error = NullableString(reader, 8),
                Trigger = NullableString(reader, 9),
            });
        }
        return result;
    }
}
