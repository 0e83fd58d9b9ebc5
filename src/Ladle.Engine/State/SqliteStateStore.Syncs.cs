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
        CREATE TABLE IF NOT EXISTS sync_batches (
            sync        TEXT NOT NULL,
            batch_id    TEXT NOT NULL,
            status      TEXT NOT NULL,
            updated_at  TEXT,
            PRIMARY KEY (sync, batch_id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS sync_batch_rows (
            sync        TEXT NOT NULL,
            batch_id    TEXT NOT NULL,
            rows        TEXT NOT NULL,
            PRIMARY KEY (sync, batch_id)
        );
        CREATE TABLE IF NOT EXISTS sync_acknowledged_log (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            sync        TEXT NOT NULL,
            rows        TEXT NOT NULL,
            refused     TEXT NOT NULL,
            acknowledged_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS sync_acknowledged_log_sync ON sync_acknowledged_log (sync, id);
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
        await FoldAcknowledgedLogAsync(sync, cancellationToken);
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
        await FoldAcknowledgedLogAsync(sync, cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sync_acknowledged WHERE sync = $sync";
        command.Parameters.AddWithValue("$sync", sync);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // The row ledger's writes are one statement per call over the rows as a JSON array (json_each), not one
    // statement per row: a million-row run makes a few hundred statements, not four million.

    public Task PlanSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, CancellationToken cancellationToken) =>
        SetBasedAsync(sync, cancellationToken, Json(rows, WriteOwed), [],
            """
            INSERT OR REPLACE INTO sync_rows (sync, key, operation, hash, status, run_id, idempotency_key, batch_id, reason, updated_at)
            SELECT $sync, value ->> 0, value ->> 1, value ->> 2, 'planned', value ->> 3, value ->> 4, NULL, NULL, value ->> 5 FROM json_each($rows)
            """);

    public Task MarkSyncRowsSentAsync(string sync, string batchId, IReadOnlyList<string> keys, DateTimeOffset at, CancellationToken cancellationToken) =>
        SetBasedAsync(sync, cancellationToken, Json(keys, (w, key) => w.WriteStringValue(key)), [("$batch", batchId), ("$at", Format(at))],
            "UPDATE sync_rows SET status = 'sent', batch_id = $batch, updated_at = $at WHERE sync = $sync AND key IN (SELECT value ->> 0 FROM json_each($rows))");

    public async Task AcknowledgeSyncRowsAsync(string sync, IReadOnlyList<SyncRowEntry> rows, DateTimeOffset at, CancellationToken cancellationToken)
    {
        // After what the log holds: the later acknowledgement of a key wins.
        await FoldAcknowledgedLogAsync(sync, cancellationToken);
        await SetBasedAsync(sync, cancellationToken, Json(rows, (w, row) =>
            {
                w.WriteStringValue(row.Key);
                w.WriteStringValue(OperationName(row.Operation));
                w.WriteStringValue(row.Hash);
            }), [("$at", Format(at))],
            // In the same transaction as the hashes it stands for: a copy of them is current exactly when its generation is this one.
            "INSERT INTO sync_acknowledged_generation (sync, generation) VALUES ($sync, 1) ON CONFLICT (sync) DO UPDATE SET generation = generation + 1",
            """
            INSERT INTO sync_acknowledged (sync, key, hash, acknowledged_at)
            SELECT $sync, value ->> 0, value ->> 2, $at FROM json_each($rows) WHERE value ->> 1 <> 'delete'
            ON CONFLICT (sync, key) DO UPDATE SET hash = excluded.hash, acknowledged_at = excluded.acknowledged_at
            """,
            "DELETE FROM sync_acknowledged WHERE sync = $sync AND key IN (SELECT value ->> 0 FROM json_each($rows) WHERE value ->> 1 = 'delete')",
            // Only the owed entry of this very change is cleared: a newer plan of the key (another hash) stays owed.
            """
            DELETE FROM sync_rows WHERE sync = $sync AND key IN (SELECT value ->> 0 FROM json_each($rows))
                AND (key, hash) IN (SELECT value ->> 0, value ->> 2 FROM json_each($rows))
            """);
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
        SetBasedAsync(sync, cancellationToken, Json(keys, (w, key) => w.WriteStringValue(key)), [],
            "UPDATE sync_rows SET status = 'planned' WHERE sync = $sync AND key IN (SELECT value ->> 0 FROM json_each($rows)) AND status = 'sent'");

    // A run's batches in flight are one record each (sync_batches, and the rows as JSON in sync_batch_rows), not a
    // row of sync_rows each: planned, sent and acknowledged are then a few statements per batch, and only the rows a
    // batch leaves owed (rejected, or unpacked after a stopped run) become rows of sync_rows.

    public async Task PlanSyncBatchAsync(string sync, string batchId, IReadOnlyList<SyncRowEntry> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return;
        // The rows without their time (the batch's, on its record): a million-row run writes its rows once, as small as they go.
        var json = Json(rows, (w, row) =>
        {
            w.WriteStringValue(row.Key);
            w.WriteStringValue(OperationName(row.Operation));
            w.WriteStringValue(row.Hash);
            w.WriteNumberValue(row.RunId);
            w.WriteStringValue(row.IdempotencyKey);
        })!;
        var at = rows[0].UpdatedAt is { } time ? Format(time) : null;
        // Newer data replaces an owed entry of the same key, as PlanSyncRowsAsync's INSERT OR REPLACE does. Most syncs
        // owe nothing: then the batch's keys are not looked up at all (only the run holding the lease writes them).
        bool owing;
        await using (var connection = await OpenAsync(cancellationToken))
        await using (var owes = connection.CreateCommand())
        {
            owes.CommandText = "SELECT EXISTS (SELECT 1 FROM sync_rows WHERE sync = $sync)";
            owes.Parameters.AddWithValue("$sync", sync);
            owing = (long)(await owes.ExecuteScalarAsync(cancellationToken))! != 0;
        }
        string[] record =
        [
            "INSERT OR REPLACE INTO sync_batches (sync, batch_id, status, updated_at) VALUES ($sync, $batch, 'planned', $at)",
            "INSERT OR REPLACE INTO sync_batch_rows (sync, batch_id, rows) VALUES ($sync, $batch, $rows)",
        ];
        await BatchStatementsAsync(sync, batchId, cancellationToken, [("$rows", json), ("$at", (object?)at ?? DBNull.Value)],
            owing ? ["DELETE FROM sync_rows WHERE sync = $sync AND key IN (SELECT value ->> 0 FROM json_each($rows))", .. record] : record);
    }

    public Task MarkSyncBatchSentAsync(string sync, string batchId, IReadOnlyList<string> keys, DateTimeOffset at, CancellationToken cancellationToken) =>
        BatchStatementsAsync(sync, batchId, cancellationToken, [("$at", Format(at))],
            "UPDATE sync_batches SET status = 'sent', updated_at = $at WHERE sync = $sync AND batch_id = $batch");

    /// <summary>
    /// A batch's answer. Its acknowledged rows are the rows it was planned with but the rejected ones (as the runner
    /// sends them), and the batch's record already holds them: the record moves, whole, to <c>sync_acknowledged_log</c>
    /// with the rejected keys beside it, rather than a million keys being upserted one by one into
    /// <c>sync_acknowledged</c> while the destination waits. The log is folded into <c>sync_acknowledged</c>, in order,
    /// before anything reads or writes that table key by key (<see cref="FoldAcknowledgedLogAsync"/>), and by
    /// <see cref="CompactSyncLedgerAsync"/>. The generation moves in the same transaction, as for any acknowledgement.
    /// </summary>
    public Task AcknowledgeSyncBatchAsync(string sync, string batchId, IReadOnlyList<SyncRowEntry> acknowledged, IReadOnlyList<SyncRowEntry> rejected,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        var statements = new List<string>();
        if (acknowledged.Count > 0)
        {
            // In the same transaction as the hashes it stands for: a copy of them is current exactly when its generation is this one.
            statements.Add("INSERT INTO sync_acknowledged_generation (sync, generation) VALUES ($sync, 1) ON CONFLICT (sync) DO UPDATE SET generation = generation + 1");
            statements.Add("""
                INSERT INTO sync_acknowledged_log (sync, rows, refused, acknowledged_at)
                SELECT sync, rows, $refused, $at FROM sync_batch_rows WHERE sync = $sync AND batch_id = $batch
                """);
        }
        if (rejected.Count > 0)
            statements.Add("""
                INSERT OR REPLACE INTO sync_rows (sync, key, operation, hash, status, run_id, idempotency_key, batch_id, reason, updated_at)
                SELECT $sync, value ->> 0, value ->> 1, value ->> 2, 'rejected', value ->> 3, value ->> 4, $batch, value ->> 6, $at FROM json_each($rejected)
                """);
        statements.Add("DELETE FROM sync_batch_rows WHERE sync = $sync AND batch_id = $batch");
        statements.Add("DELETE FROM sync_batches WHERE sync = $sync AND batch_id = $batch");
        return BatchStatementsAsync(sync, batchId, cancellationToken,
            [
                ("$at", Format(at)),
                ("$refused", Json(rejected, (w, row) => w.WriteStringValue(row.Key)) ?? "[]"),
                ("$rejected", Json(rejected, (w, row) =>
                {
                    WriteOwed(w, row);
                    w.WriteStringValue(row.Reason ?? "");
                }) ?? "[]"),
            ], [.. statements]);
    }

    /// <summary>Folds the acknowledged log into <c>sync_acknowledged</c> (the key by key work the batches skipped); nothing when it is empty.</summary>
    public Task CompactSyncLedgerAsync(string sync, CancellationToken cancellationToken) => FoldAcknowledgedLogAsync(sync, cancellationToken);

    /// <summary>
    /// Applies the log's entries to <c>sync_acknowledged</c> oldest first, in one transaction, and empties it: each
    /// entry's rows but its refused keys, upserted with their hash (deletes forgotten). The generation does not move:
    /// the acknowledged hashes the log and the table stand for together are the same before and after.
    /// </summary>
    private async Task FoldAcknowledgedLogAsync(string sync, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var ids = new List<long>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT id FROM sync_acknowledged_log WHERE sync = $sync ORDER BY id";
            list.Parameters.AddWithValue("$sync", sync);
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetInt64(0));
        }
        if (ids.Count == 0) return;
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var id in ids)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO sync_acknowledged (sync, key, hash, acknowledged_at)
                SELECT l.sync, j.value ->> 0, j.value ->> 2, l.acknowledged_at FROM sync_acknowledged_log l, json_each(l.rows) j
                WHERE l.id = $id AND j.value ->> 1 <> 'delete' AND (j.value ->> 0) NOT IN (SELECT value ->> 0 FROM json_each(l.refused))
                ON CONFLICT (sync, key) DO UPDATE SET hash = excluded.hash, acknowledged_at = excluded.acknowledged_at;
                DELETE FROM sync_acknowledged WHERE sync = $sync AND key IN (
                    SELECT j.value ->> 0 FROM sync_acknowledged_log l, json_each(l.rows) j
                    WHERE l.id = $id AND j.value ->> 1 = 'delete' AND (j.value ->> 0) NOT IN (SELECT value ->> 0 FROM json_each(l.refused)));
                DELETE FROM sync_acknowledged_log WHERE id = $id;
                """;
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$sync", sync);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public Task UnpackSyncBatchesAsync(string sync, CancellationToken cancellationToken) =>
        BatchStatementsAsync(sync, "", cancellationToken, [],
            """
            INSERT OR REPLACE INTO sync_rows (sync, key, operation, hash, status, run_id, idempotency_key, batch_id, reason, updated_at)
            SELECT b.sync, j.value ->> 0, j.value ->> 1, j.value ->> 2, b.status, j.value ->> 3, j.value ->> 4,
                   CASE WHEN b.status = 'sent' THEN b.batch_id END, NULL, coalesce(b.updated_at, j.value ->> 5)
            FROM sync_batches b JOIN sync_batch_rows r ON r.sync = b.sync AND r.batch_id = b.batch_id, json_each(r.rows) AS j
            WHERE b.sync = $sync
            ORDER BY r.rowid, j.key
            """,
            "DELETE FROM sync_batch_rows WHERE sync = $sync",
            "DELETE FROM sync_batches WHERE sync = $sync");

    /// <summary>An owed row as the ledger's JSON has it: key, operation, hash, run, idempotency key, time.</summary>
    private static void WriteOwed(System.Text.Json.Utf8JsonWriter w, SyncRowEntry row)
    {
        w.WriteStringValue(row.Key);
        w.WriteStringValue(OperationName(row.Operation));
        w.WriteStringValue(row.Hash);
        w.WriteNumberValue(row.RunId);
        w.WriteStringValue(row.IdempotencyKey);
        if (row.UpdatedAt is { } at) w.WriteStringValue(Format(at)); else w.WriteNullValue();
    }

    /// <summary>Runs <paramref name="statements"/> in one transaction with $sync, $batch and <paramref name="parameters"/>.</summary>
    private Task BatchStatementsAsync(string sync, string batchId, CancellationToken cancellationToken, (string Name, object Value)[] parameters, params string[] statements) =>
        InTransactionAsync(sync, cancellationToken, [.. parameters, ("$batch", batchId)], statements);

    /// <summary>Runs <paramref name="statements"/> in one transaction with $sync and the <paramref name="parameters"/> each names.</summary>
    private async Task InTransactionAsync(string sync, CancellationToken cancellationToken, (string Name, object Value)[] parameters, string[] statements)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.Parameters.AddWithValue("$sync", sync);
            foreach (var (name, value) in parameters)
                if (sql.Contains(name, StringComparison.Ordinal)) command.Parameters.AddWithValue(name, value);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The items as a JSON array of arrays (or of the single value <paramref name="write"/> writes, as a one-element array); null when there are none.</summary>
    private static string? Json<T>(IReadOnlyList<T> items, Action<System.Text.Json.Utf8JsonWriter, T> write)
    {
        if (items.Count == 0) return null;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(items.Count * 64);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStartArray();
                write(writer, item);
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Runs <paramref name="statements"/> in one transaction with $sync, $rows (a JSON array from <see cref="Json"/>) and <paramref name="parameters"/>; nothing when there are no rows.</summary>
    private Task SetBasedAsync(string sync, CancellationToken cancellationToken, string? rows, (string Name, object Value)[] parameters, params string[] statements) =>
        rows is null ? Task.CompletedTask : InTransactionAsync(sync, cancellationToken, [.. parameters, ("$rows", rows)], statements);

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
