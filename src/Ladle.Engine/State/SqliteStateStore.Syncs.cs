using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>Syncs (<see cref="ISyncLedger"/>) in the <c>sync_runs</c>, <c>sync_acknowledged</c> and <c>sync_rows</c> tables.</summary>
public sealed partial class SqliteStateStore
{
    private const string SyncSchema = """
        CREATE TABLE IF NOT EXISTS sync_runs (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            sync        TEXT NOT NULL,
            trigger     TEXT NOT NULL,
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            status      TEXT NOT NULL,
            source_version INTEGER,
            creates     INTEGER NOT NULL DEFAULT 0,
            updates     INTEGER NOT NULL DEFAULT 0,
            deletes     INTEGER NOT NULL DEFAULT 0,
            unchanged   INTEGER NOT NULL DEFAULT 0,
            refused     INTEGER NOT NULL DEFAULT 0,
            owed        INTEGER NOT NULL DEFAULT 0,
            sent        INTEGER NOT NULL DEFAULT 0,
            acknowledged INTEGER NOT NULL DEFAULT 0,
            rejected    INTEGER NOT NULL DEFAULT 0,
            error       TEXT
        );
        CREATE INDEX IF NOT EXISTS sync_runs_sync ON sync_runs (sync, id);
        CREATE TABLE IF NOT EXISTS sync_acknowledged (
            sync        TEXT NOT NULL,
            key         TEXT NOT NULL,
            hash        TEXT NOT NULL,
            acknowledged_at TEXT NOT NULL,
            PRIMARY KEY (sync, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS sync_acknowledged_generation (
            sync        TEXT PRIMARY KEY,
            generation  INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS sync_rows (
            sync        TEXT NOT NULL,
            key         TEXT NOT NULL,
            operation   TEXT NOT NULL,
            hash        TEXT NOT NULL,
            status      TEXT NOT NULL,
            run_id      INTEGER NOT NULL,
            idempotency_key TEXT NOT NULL,
            batch_id    TEXT,
            reason      TEXT,
            updated_at  TEXT,
            PRIMARY KEY (sync, key)
        ) WITHOUT ROWID;
        """;

    private async Task InitializeSyncsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = SyncSchema;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> BeginSyncRunAsync(SyncRunRecord run, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO sync_runs (sync, trigger, started_at, status, source_version) VALUES ($sync, $trigger, $started, $status, $version) RETURNING id";
        command.Parameters.AddWithValue("$sync", run.Sync);
        command.Parameters.AddWithValue("$trigger", run.Trigger);
        command.Parameters.AddWithValue("$started", Format(run.StartedAt));
        command.Parameters.AddWithValue("$status", run.Status);
        command.Parameters.AddWithValue("$version", (object?)run.SourceVersion ?? DBNull.Value);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public Task UpdateSyncRunAsync(SyncRunRecord run, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE sync_runs SET status = $status, finished_at = $finished, source_version = $version, creates = $creates, updates = $updates,
                deletes = $deletes, unchanged = $unchanged, refused = $refused, owed = $owed, sent = $sent, acknowledged = $acked, rejected = $rejected, error = $error
            WHERE id = $id
            """, cancellationToken,
            ("$id", run.Id), ("$status", run.Status), ("$finished", run.FinishedAt is { } f ? Format(f) : null), ("$version", run.SourceVersion),
            ("$creates", run.Creates), ("$updates", run.Updates), ("$deletes", run.Deletes), ("$unchanged", run.Unchanged), ("$refused", run.Refused),
            ("$owed", run.Owed), ("$sent", run.Sent), ("$acked", run.Acknowledged), ("$rejected", run.Rejected), ("$error", run.Error));

    public async Task<IReadOnlyList<SyncRunRecord>> ListSyncRunsAsync(string sync, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, sync, trigger, started_at, finished_at, status, source_version, creates, updates, deletes, unchanged, refused, owed, sent, acknowledged, rejected, error
            FROM sync_runs WHERE sync = $sync ORDER BY id DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$sync", sync);
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<SyncRunRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new SyncRunRecord
            {
                Id = reader.GetInt64(0), Sync = reader.GetString(1), Trigger = reader.GetString(2), StartedAt = Parse(reader, "started_at")!.Value,
                FinishedAt = Parse(reader, "finished_at"), Status = reader.GetString(5), SourceVersion = reader.IsDBNull(6) ? null : reader.GetInt64(6),
                Creates = reader.GetInt64(7), Updates = reader.GetInt64(8), Deletes = reader.GetInt64(9), Unchanged = reader.GetInt64(10),
                Refused = reader.GetInt64(11), Owed = reader.GetInt64(12), Sent = reader.GetInt64(13), Acknowledged = reader.GetInt64(14),
                Rejected = reader.GetInt64(15), Error = reader.IsDBNull(16) ? null : reader.GetString(16),
            });
        }
        return runs;
    }

    public async IAsyncEnumerable<(string Key, string Hash)> ReadAcknowledgedAsync(string sync, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, hash FROM sync_acknowledged WHERE sync = $sync ORDER BY key";
        command.Parameters.AddWithValue("$sync", sync);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) yield return (reader.GetString(0), reader.GetString(1));
    }

    public async Task<long?> ReadAcknowledgedGenerationAsync(string sync, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT generation FROM sync_acknowledged_generation WHERE sync = $sync";
        command.Parameters.AddWithValue("$sync", sync);
        return await command.ExecuteScalarAsync(cancellationToken) is long generation ? generation : 0;
    }

    public async Task<long> CountAcknowledgedAsync(string sync, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sync_acknowledged WHERE sync = $sync";
        command.Parameters.AddWithValue("$sync", sync);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public Task PlanSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, CancellationToken cancellationToken) =>
        InTransactionAsync(cancellationToken, "INSERT OR REPLACE INTO sync_rows (sync, key, operation, hash, status, run_id, idempotency_key, batch_id, reason, updated_at) VALUES ($sync, $key, $op, $hash, 'planned', $run, $idem, NULL, NULL, $at)",
            rows, (p, row) =>
            {
                p["$sync"].Value = sync;
                p["$key"].Value = row.Key;
                p["$op"].Value = OperationName(row.Operation);
                p["$hash"].Value = row.Hash;
                p["$run"].Value = row.RunId;
                p["$idem"].Value = row.IdempotencyKey;
                p["$at"].Value = row.UpdatedAt is { } at ? Format(at) : DBNull.Value;
            });

    public Task MarkSyncRowsSentAsync(string sync, string batchId, IReadOnlyList<string> keys, DateTimeOffset at, CancellationToken cancellationToken) =>
        InTransactionAsync(cancellationToken, "UPDATE sync_rows SET status = 'sent', batch_id = $batch, updated_at = $at WHERE sync = $sync AND key = $key",
            keys, (p, key) =>
            {
                p["$sync"].Value = sync;
                p["$key"].Value = key;
                p["$batch"].Value = batchId;
                p["$at"].Value = Format(at);
            });

    public async Task AcknowledgeSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var upsert = Prepare(connection, transaction,
            "INSERT INTO sync_acknowledged (sync, key, hash, acknowledged_at) VALUES ($sync, $key, $hash, $at) ON CONFLICT (sync, key) DO UPDATE SET hash = excluded.hash, acknowledged_at = excluded.acknowledged_at",
            "$sync", "$key", "$hash", "$at");
        await using var forget = Prepare(connection, transaction, "DELETE FROM sync_acknowledged WHERE sync = $sync AND key = $key", "$sync", "$key");
        // Only the owed entry of this very change is cleared: a newer plan of the key (another hash) stays owed.
        await using var clear = Prepare(connection, transaction, "DELETE FROM sync_rows WHERE sync = $sync AND key = $key AND hash = $hash", "$sync", "$key", "$hash");
        if (rows.Count > 0)
        {
            // In the same transaction as the hashes it stands for: a copy of them is current exactly when its generation is this one.
            await using var bump = Prepare(connection, transaction,
                "INSERT INTO sync_acknowledged_generation (sync, generation) VALUES ($sync, 1) ON CONFLICT (sync) DO UPDATE SET generation = generation + 1", "$sync");
            bump.Parameters["$sync"].Value = sync;
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var row in rows)
        {
            if (row.Operation == SyncOperation.Delete)
            {
                forget.Parameters["$sync"].Value = sync;
                forget.Parameters["$key"].Value = row.Key;
                await forget.ExecuteNonQueryAsync(cancellationToken);
            }
            else
            {
                upsert.Parameters["$sync"].Value = sync;
                upsert.Parameters["$key"].Value = row.Key;
                upsert.Parameters["$hash"].Value = row.Hash;
                upsert.Parameters["$at"].Value = Format(at);
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
            clear.Parameters["$sync"].Value = sync;
            clear.Parameters["$key"].Value = row.Key;
            clear.Parameters["$hash"].Value = row.Hash;
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public Task RejectSyncRowsAsync(string sync, IReadOnlyList<(string Key, string Reason)> rows, DateTimeOffset at, CancellationToken cancellationToken) =>
        InTransactionAsync(cancellationToken, "UPDATE sync_rows SET status = 'rejected', reason = $reason, updated_at = $at WHERE sync = $sync AND key = $key",
            rows, (p, row) =>
            {
                p["$sync"].Value = sync;
                p["$key"].Value = row.Key;
                p["$reason"].Value = row.Reason;
                p["$at"].Value = Format(at);
            });

    public Task ReturnSyncRowsAsync(string sync, IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        InTransactionAsync(cancellationToken, "UPDATE sync_rows SET status = 'planned' WHERE sync = $sync AND key = $key AND status = 'sent'",
            keys, (p, key) =>
            {
                p["$sync"].Value = sync;
                p["$key"].Value = key;
            });

    public async Task<IReadOnlyList<SyncRowEntry>> ListSyncRowsAsync(string sync, SyncRowStatus? status, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, operation, hash, status, run_id, idempotency_key, batch_id, reason, updated_at FROM sync_rows WHERE sync = $sync" +
            (status is null ? "" : " AND status = $status") + " ORDER BY key LIMIT $limit";
        command.Parameters.AddWithValue("$sync", sync);
        command.Parameters.AddWithValue("$limit", limit);
        if (status is { } s) command.Parameters.AddWithValue("$status", StatusName(s));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SyncRowEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SyncRowEntry(reader.GetString(0), ParseOperation(reader.GetString(1)), reader.GetString(2), ParseStatus(reader.GetString(3)),
                reader.GetInt64(4), reader.GetString(5))
            {
                BatchId = reader.IsDBNull(6) ? null : reader.GetString(6),
                Reason = reader.IsDBNull(7) ? null : reader.GetString(7),
                UpdatedAt = Parse(reader, "updated_at"),
            });
        }
        return rows;
    }

    /// <summary>One prepared statement run for every item, in one transaction (thousands of rows a second, not a fsync each).</summary>
    private async Task InTransactionAsync<T>(CancellationToken cancellationToken, string sql, IReadOnlyList<T> items, Action<SqliteParameterCollection, T> bind)
    {
        if (items.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in System.Text.RegularExpressions.Regex.Matches(sql, @"\$[a-z]+").Select(m => m.Value).Distinct())
            command.Parameters.Add(new SqliteParameter(name, null));
        foreach (var item in items)
        {
            bind(command.Parameters, item);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter(name, null));
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
