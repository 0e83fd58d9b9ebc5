using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace Ladle.Engine.State;

/// <summary>Syncs (<see cref="ISyncLedger"/>) in the <c>sync_runs</c>, <c>sync_acknowledged</c> and <c>sync_rows</c> tables.</summary>
public sealed partial class PostgresStateStore
{
    public async Task<long> BeginSyncRunAsync(SyncRunRecord run, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection,
            "INSERT INTO sync_runs (sync, trigger, started_at, status, source_version) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            run.Sync, run.Trigger, run.StartedAt, run.Status, Typed(run.SourceVersion, NpgsqlDbType.Bigint));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public Task UpdateSyncRunAsync(SyncRunRecord run, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE sync_runs SET status = $2, finished_at = $3, source_version = $4, creates = $5, updates = $6, deletes = $7, unchanged = $8,
                refused = $9, owed = $10, sent = $11, acknowledged = $12, rejected = $13, error = $14
            WHERE id = $1
            """, cancellationToken,
            run.Id, run.Status, Typed(run.FinishedAt is { } f ? StateTime.Utc(f) : null, NpgsqlDbType.TimestampTz), Typed(run.SourceVersion, NpgsqlDbType.Bigint),
            run.Creates, run.Updates, run.Deletes, run.Unchanged, run.Refused, run.Owed, run.Sent, run.Acknowledged, run.Rejected,
            Typed(run.Error, NpgsqlDbType.Text));

    public async Task<IReadOnlyList<SyncRunRecord>> ListSyncRunsAsync(string sync, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT id, sync, trigger, started_at, finished_at, status, source_version, creates, updates, deletes, unchanged, refused, owed, sent, acknowledged, rejected, error
            FROM sync_runs WHERE sync = $1 ORDER BY id DESC LIMIT $2
            """, sync, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<SyncRunRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new SyncRunRecord
            {
                Id = reader.GetInt64(0), Sync = reader.GetString(1), Trigger = reader.GetString(2), StartedAt = At(reader, 3),
                FinishedAt = NullableAt(reader, 4), Status = reader.GetString(5), SourceVersion = NullableLong(reader, 6),
                Creates = reader.GetInt64(7), Updates = reader.GetInt64(8), Deletes = reader.GetInt64(9), Unchanged = reader.GetInt64(10),
                Refused = reader.GetInt64(11), Owed = reader.GetInt64(12), Sent = reader.GetInt64(13), Acknowledged = reader.GetInt64(14),
                Rejected = reader.GetInt64(15), Error = NullableString(reader, 16),
            });
        }
        return runs;
    }

    public async IAsyncEnumerable<(string Key, string Hash)> ReadAcknowledgedAsync(string sync, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT key, hash FROM sync_acknowledged WHERE sync = $1 ORDER BY key", sync);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) yield return (reader.GetString(0), reader.GetString(1));
    }

    public async Task<long?> ReadAcknowledgedGenerationAsync(string sync, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT generation FROM sync_acknowledged_generation WHERE sync = $1", sync);
        return await command.ExecuteScalarAsync(cancellationToken) is long generation ? generation : 0;
    }

    public async Task<long> CountAcknowledgedAsync(string sync, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT count(*) FROM sync_acknowledged WHERE sync = $1", sync);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task PlanSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return;
        // A plan may repeat a key (newer data replaces older, as INSERT OR REPLACE does in SQLite): the last entry of
        // each key wins, since one INSERT … ON CONFLICT cannot touch a row twice.
        var last = rows.GroupBy(r => r.Key, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO sync_rows (sync, key, operation, hash, status, run_id, idempotency_key, batch_id, reason, updated_at)
            SELECT $1, r.key, r.operation, r.hash, 'planned', r.run_id, r.idempotency_key, NULL, NULL, r.updated_at
            FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[]) AS r(key, operation, hash, run_id, idempotency_key, updated_at)
            ON CONFLICT (sync, key) DO UPDATE SET operation = excluded.operation, hash = excluded.hash, status = 'planned', run_id = excluded.run_id,
                idempotency_key = excluded.idempotency_key, batch_id = NULL, reason = NULL, updated_at = excluded.updated_at
            """, connection);
        command.Parameters.Add(Parameter(sync));
        command.Parameters.Add(Array(last.Select(r => r.Key).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(last.Select(r => OperationName(r.Operation)).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(last.Select(r => r.Hash).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(last.Select(r => r.RunId).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(last.Select(r => r.IdempotencyKey).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(last.Select(r => r.UpdatedAt is { } at ? StateTime.Utc(at) : (DateTime?)null).ToArray(), NpgsqlDbType.TimestampTz));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task MarkSyncRowsSentAsync(string sync, string batchId, IReadOnlyList<string> keys, DateTimeOffset at, CancellationToken cancellationToken) =>
        keys.Count == 0 ? Task.CompletedTask :
        ExecuteAsync("UPDATE sync_rows SET status = 'sent', batch_id = $2, updated_at = $3 WHERE sync = $1 AND key = ANY($4)",
            cancellationToken, sync, batchId, at, Array(keys.ToArray(), NpgsqlDbType.Text));

    public async Task AcknowledgeSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // In the same transaction as the hashes it stands for: a copy of them is current exactly when its generation is this one.
        await using (var bump = Command(connection,
            "INSERT INTO sync_acknowledged_generation (sync, generation) VALUES ($1, 1) ON CONFLICT (sync) DO UPDATE SET generation = sync_acknowledged_generation.generation + 1",
            sync))
        {
            bump.Transaction = transaction;
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }
        // Set-based over the rows as arrays (unnest), not a statement per row. A key acknowledged twice in one call
        // ends as its last entry says, as SQLite's in-order application does; every entry's owed row is cleared.
        var keys = rows.Select(r => r.Key).ToArray();
        var hashes = rows.Select(r => r.Hash).ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(BatchCommand("""
            WITH last AS (
                SELECT DISTINCT ON (key) key, operation, hash
                FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(key, operation, hash, n) ORDER BY key, n DESC),
            gone AS (DELETE FROM sync_acknowledged a USING last l WHERE a.sync = $1 AND a.key = l.key AND l.operation = 'delete')
            INSERT INTO sync_acknowledged (sync, key, hash, acknowledged_at) SELECT $1, key, hash, $5 FROM last WHERE operation <> 'delete'
            ON CONFLICT (sync, key) DO UPDATE SET hash = excluded.hash, acknowledged_at = excluded.acknowledged_at
            """, sync, Array(keys, NpgsqlDbType.Text), Array(rows.Select(r => OperationName(r.Operation)).ToArray(), NpgsqlDbType.Text),
            Array(hashes, NpgsqlDbType.Text), at));
        // Only the owed entry of this very change is cleared: a newer plan of the key (another hash) stays owed.
        batch.BatchCommands.Add(BatchCommand(
            "DELETE FROM sync_rows s USING unnest($2::text[], $3::text[]) AS u(key, hash) WHERE s.sync = $1 AND s.key = u.key AND s.hash = u.hash",
            sync, Array(keys, NpgsqlDbType.Text), Array(hashes, NpgsqlDbType.Text)));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public Task RejectSyncRowsAsync(string sync, IReadOnlyList<(string Key, string Reason)> rows, DateTimeOffset at, CancellationToken cancellationToken) =>
        rows.Count == 0 ? Task.CompletedTask :
        ExecuteAsync("""
            UPDATE sync_rows SET status = 'rejected', reason = r.reason, updated_at = $2
            FROM (SELECT DISTINCT ON (key) key, reason FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS u(key, reason, n) ORDER BY key, n DESC) r
            WHERE sync_rows.sync = $1 AND sync_rows.key = r.key
            """, cancellationToken, sync, at, Array(rows.Select(r => r.Key).ToArray(), NpgsqlDbType.Text), Array(rows.Select(r => r.Reason).ToArray(), NpgsqlDbType.Text));

    public Task ReturnSyncRowsAsync(string sync, IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        keys.Count == 0 ? Task.CompletedTask :
        ExecuteAsync("UPDATE sync_rows SET status = 'planned' WHERE sync = $1 AND key = ANY($2) AND status = 'sent'",
            cancellationToken, sync, Array(keys.ToArray(), NpgsqlDbType.Text));

    public async Task<IReadOnlyList<SyncRowEntry>> ListSyncRowsAsync(string sync, SyncRowStatus? status, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT key, operation, hash, status, run_id, idempotency_key, batch_id, reason, updated_at FROM sync_rows
            WHERE sync = $1 AND ($2::text IS NULL OR status = $2::text) ORDER BY key LIMIT $3
            """, sync, Typed(status is { } s ? StatusName(s) : null, NpgsqlDbType.Text), limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SyncRowEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SyncRowEntry(reader.GetString(0), ParseOperation(reader.GetString(1)), reader.GetString(2), ParseStatus(reader.GetString(3)),
                reader.GetInt64(4), reader.GetString(5))
            {
                BatchId = NullableString(reader, 6),
                Reason = NullableString(reader, 7),
                UpdatedAt = NullableAt(reader, 8),
            });
        }
        return rows;
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(Parameter(value));
        return command;
    }

    private static string OperationName(SyncOperation operation) => operation switch
    {
        SyncOperation.Create => "create",
        SyncOperation.Update => "update",
        _ => "delete",
    };

    private static SyncOperation ParseOperation(string text) => text switch
    {
        "create" => SyncOperation.Create,
        "update" => SyncOperation.Update,
        _ => SyncOperation.Delete,
    };

    private static string StatusName(SyncRowStatus status) => status switch
    {
        SyncRowStatus.Planned => "planned",
        SyncRowStatus.Sent => "sent",
        _ => "rejected",
    };

    private static SyncRowStatus ParseStatus(string text) => text switch
    {
        "planned" => SyncRowStatus.Planned,
        "sent" => SyncRowStatus.Sent,
        _ => SyncRowStatus.Rejected,
    };
}
