using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>The version ledger (<see cref="IVersionLedger"/>) in the <c>versions</c> table.</summary>
public sealed partial class SqliteStateStore
{
    public async Task<VersionRecord> BeginVersionAsync(string dataset, string trigger, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // Microsoft.Data.Sqlite begins IMMEDIATE by default: the write lock comes first, so two processes can't allocate the same number.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO versions (dataset, version, status, started_at, trigger)
            SELECT $dataset, COALESCE(MAX(version), 0) + 1, 'building', $started, $trigger FROM versions WHERE dataset = $dataset
            RETURNING version;
            """;
        command.Parameters.AddWithValue("$dataset", dataset);
        command.Parameters.AddWithValue("$started", Format(startedAt));
        command.Parameters.AddWithValue("$trigger", trigger);
        var version = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new VersionRecord { Dataset = dataset, Version = version, Status = VersionStatus.Building, StartedAt = StateTime.Truncate(startedAt), Trigger = trigger };
    }

    public Task PublishVersionAsync(string dataset, long version, long rowCount, string? watermark, DateTimeOffset publishedAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'published', finished_at = $at, published_at = $at, row_count = $rows, watermark = $watermark WHERE dataset = $dataset AND version = $version",
            cancellationToken,
            ("$dataset", dataset), ("$version", version), ("$at", Format(publishedAt)), ("$rows", rowCount), ("$watermark", watermark));

    public Task FailVersionAsync(string dataset, long version, string error, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'failed', finished_at = $at, error = $error WHERE dataset = $dataset AND version = $version",
            cancellationToken,
            ("$dataset", dataset), ("$version", version), ("$at", Format(finishedAt)), ("$error", error));

    public Task MarkDroppedAsync(string dataset, long version, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'dropped' WHERE dataset = $dataset AND version = $version AND status IN ('published', 'quarantined')",
            cancellationToken, ("$dataset", dataset), ("$version", version));

    public Task QuarantineVersionAsync(string dataset, long version, long rowCount, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'quarantined', finished_at = $at, row_count = $rows, error = $error WHERE dataset = $dataset AND version = $version",
            cancellationToken,
            ("$dataset", dataset), ("$version", version), ("$at", Format(finishedAt)), ("$rows", rowCount), ("$error", reason));

    public Task<IReadOnlyList<VersionRecord>> ListQuarantinedAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM versions WHERE status = 'quarantined' ORDER BY dataset, version DESC", cancellationToken);

    public Task InterruptVersionAsync(string dataset, long version, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'interrupted', finished_at = $at, error = $error WHERE dataset = $dataset AND version = $version",
            cancellationToken,
            ("$dataset", dataset), ("$version", version), ("$at", Format(finishedAt)), ("$error", reason));

    public Task<IReadOnlyList<VersionRecord>> ListAllVersionsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM versions ORDER BY dataset, version", cancellationToken);

    public async Task<bool> RestoreVersionAsync(VersionRecord version, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO versions (dataset, version, status, started_at, finished_at, published_at, row_count, watermark, error, trigger)
            VALUES ($dataset, $version, $status, $started, $finished, $published, $rows, $watermark, $error, $trigger)
            ON CONFLICT (dataset, version) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
                published_at = excluded.published_at, row_count = excluded.row_count, watermark = excluded.watermark, error = excluded.error
            WHERE versions.status = 'building' AND excluded.status <> 'building'
            """;
        command.Parameters.AddWithValue("$dataset", version.Dataset);
        command.Parameters.AddWithValue("$version", version.Version);
        command.Parameters.AddWithValue("$status", version.Status.ToString().ToLowerInvariant());
        command.Parameters.AddWithValue("$started", Format(version.StartedAt));
        command.Parameters.AddWithValue("$finished", version.FinishedAt is { } f ? Format(f) : DBNull.Value);
        command.Parameters.AddWithValue("$published", version.PublishedAt is { } p ? Format(p) : DBNull.Value);
        command.Parameters.AddWithValue("$rows", (object?)version.RowCount ?? DBNull.Value);
        command.Parameters.AddWithValue("$watermark", (object?)version.Watermark ?? DBNull.Value);
        command.Parameters.AddWithValue("$error", (object?)version.Error ?? DBNull.Value);
        command.Parameters.AddWithValue("$trigger", (object?)version.Trigger ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<int> FailInterruptedAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // A version whose dataset's run lease is live is being built by a process that still runs: only the building
        // versions nobody holds are left over from a process that died.
        command.CommandText = """
            UPDATE versions SET status = 'interrupted', finished_at = $at, error = $error
            WHERE status = 'building' AND NOT EXISTS (SELECT 1 FROM run_leases l WHERE l.dataset = versions.dataset AND l.expires_at > $now)
            """;
        command.Parameters.AddWithValue("$at", Format(at));
        command.Parameters.AddWithValue("$now", Format(_clock.GetUtcNow()));
        command.Parameters.AddWithValue("$error", reason);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<IReadOnlyList<VersionRecord>> ListVersionsAsync(string dataset, int limit, CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM versions WHERE dataset = $dataset ORDER BY version DESC LIMIT $limit", cancellationToken,
            ("$dataset", dataset), ("$limit", limit));

    public Task<IReadOnlyList<VersionRecord>> ListPublishedAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM versions WHERE status = 'published' ORDER BY dataset, version DESC", cancellationToken);

    private async Task<IReadOnlyList<VersionRecord>> QueryAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var result = new List<VersionRecord>();
        while (await reader.ReadAsync(ct))
        {
            result.Add(new VersionRecord
            {
                Dataset = reader.GetString(reader.GetOrdinal("dataset")),
                Version = reader.GetInt64(reader.GetOrdinal("version")),
                Status = Enum.Parse<VersionStatus>(reader.GetString(reader.GetOrdinal("status")), ignoreCase: true),
                StartedAt = Parse(reader, "started_at")!.Value,
                FinishedAt = Parse(reader, "finished_at"),
                PublishedAt = Parse(reader, "published_at"),
                RowCount = reader.IsDBNull(reader.GetOrdinal("row_count")) ? null : reader.GetInt64(reader.GetOrdinal("row_count")),
                Watermark = reader.IsDBNull(reader.GetOrdinal("watermark")) ? null : reader.GetString(reader.GetOrdinal("watermark")),
                Error = reader.IsDBNull(reader.GetOrdinal("error")) ? null : reader.GetString(reader.GetOrdinal("error")),
                Trigger = reader.IsDBNull(reader.GetOrdinal("trigger")) ? null : reader.GetString(reader.GetOrdinal("trigger")),
            });
        }
        return result;
    }
}
