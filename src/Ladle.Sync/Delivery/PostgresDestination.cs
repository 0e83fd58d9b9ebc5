using System.Text;
using Ladle.Core.Model.Syncs;
using Ladle.Core.Sql;
using Ladle.Engine.State;
using Npgsql;
using NpgsqlTypes;

namespace Ladle.Syncs.Delivery;

/// <summary>
/// A PostgreSQL table through Npgsql. A batch is one transaction: COPY of its rows into a temporary staging table
/// with the table's own column types (so PostgreSQL converts the values as it would for the table), then one
/// statement from it: INSERT (insert), INSERT … ON CONFLICT (key) DO UPDATE (upsert, mirror; needs a unique index
/// on the key column), UPDATE … FROM (update; a key the table lacks is rejected); DELETE (mirror) by key. A batch the
/// table refuses for its data (SQLSTATE classes 22 and 23) is retried row by row under savepoints (through
/// <c>jsonb_populate_recordset</c>) so only the rows at fault are rejected; a lost connection or an overloaded
/// server is transient. The rows are acknowledged only once the batch's transaction committed.
/// </summary>
public sealed class PostgresDestination : ISyncDestination
{
    private readonly NpgsqlDataSource _source;
    private readonly string _table;
    private readonly string _key;
    private readonly IReadOnlyList<string> _fields;
    private readonly Dictionary<string, int> _fieldIndex;

    public PostgresDestination(string connectionString, string table, SyncDefinition sync)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        _table = SqlDialect.Postgres.QuoteQualified(table);
        _key = SqlDialect.Postgres.Quote(sync.Key.Destination);
        _fields = sync.Fields.Select(f => SqlDialect.Postgres.Quote(f.Destination)).ToList();
        _fieldIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < sync.Fields.Count; i++) _fieldIndex.TryAdd(sync.Fields[i].Destination, i);
    }

    public bool CanLookUp => true;

    public async Task<IReadOnlySet<string>> LookUpAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        await RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand($"SELECT {_key}::text FROM {_table} WHERE {_key}::text = ANY(@keys)", connection);
            command.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = keys.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) found.Add(reader.GetString(0));
        }, cancellationToken);
        return found;
    }

    public async Task<IReadOnlyList<(string Key, string Reason)>> SendAsync(SyncBatch batch, CancellationToken cancellationToken)
    {
        var rejected = new List<(string, string)>();
        await RunAsync(async connection =>
        {
            foreach (var group in batch.Rows.GroupBy(r => r.Operation))
            {
                var rows = group.ToList();
                try
                {
                    rejected.AddRange(group.Key == SyncOperation.Delete
                        ? await ApplyAsync(connection, null, batch.Mode, group.Key, rows, cancellationToken)
                        : await CopyAndApplyAsync(connection, batch.Mode, group.Key, rows, cancellationToken));
                }
                catch (PostgresException e) when (IsDataError(e))
                {
                    // The table refused the batch for some row's data: find which, one savepoint per row.
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    foreach (var row in rows)
                    {
                        await transaction.SaveAsync("row", cancellationToken);
                        try
                        {
                            rejected.AddRange(await ApplyAsync(connection, transaction, batch.Mode, group.Key, [row], cancellationToken));
                            await transaction.ReleaseAsync("row", cancellationToken);
                        }
                        catch (PostgresException rowError) when (IsDataError(rowError))
                        {
                            await transaction.RollbackAsync("row", cancellationToken);
                            rejected.Add((row.Key, $"{rowError.SqlState}: {rowError.MessageText}"));
                        }
                    }
                    await transaction.CommitAsync(cancellationToken);
                }
            }
        }, cancellationToken);
        return rejected;
    }

    /// <summary>
    /// Creates or updates through a staging table: the rows are copied (COPY, text format) into a temporary table
    /// of the key's and fields' columns as the table types them, then applied by one statement; one transaction.
    /// Returns the keys an update found no record for.
    /// </summary>
    private async Task<IReadOnlyList<(string Key, string Reason)>> CopyAndApplyAsync(NpgsqlConnection connection, SyncMode mode,
        SyncOperation operation, IReadOnlyList<SyncRecord> rows, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", new[] { _key }.Concat(_fields));
        if (operation == SyncOperation.Create)
        {
            // Creates are keys the destination never acknowledged, so the table should lack them: COPY them straight
            // into it, one pass. A key it holds after all (written by someone else) fails the COPY as a whole; an upsert
            // then takes the staging path below, while an insert finds which rows conflict row by row.
            await using var direct = await connection.BeginTransactionAsync(cancellationToken);
            try
            {
                await CopyAsync(connection, $"COPY {_table} ({columns}) FROM STDIN", rows, cancellationToken);
                await direct.CommitAsync(cancellationToken);
                return [];
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && mode != SyncMode.Insert)
            {
                await direct.RollbackAsync(cancellationToken);
            }
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand($"CREATE TEMP TABLE ladle_sync_stage ON COMMIT DROP AS SELECT {columns} FROM {_table} WITH NO DATA", connection, transaction))
            await create.ExecuteNonQueryAsync(cancellationToken);
        await CopyAsync(connection, $"COPY ladle_sync_stage ({columns}) FROM STDIN", rows, cancellationToken);
        var stage = "ladle_sync_stage";
        string sql = operation switch
        {
            SyncOperation.Update when mode == SyncMode.Update =>
                $"UPDATE {_table} AS t SET {string.Join(", ", _fields.Select(f => $"{f} = r.{f}"))} FROM {stage} AS r WHERE t.{_key} = r.{_key} RETURNING t.{_key}::text",
            SyncOperation.Create when mode == SyncMode.Insert => $"INSERT INTO {_table} ({columns}) SELECT {columns} FROM {stage}",
            _ => $"INSERT INTO {_table} ({columns}) SELECT {columns} FROM {stage} ON CONFLICT ({_key}) DO " +
                 (_fields.Count == 0 ? "NOTHING" : "UPDATE SET " + string.Join(", ", _fields.Select(f => $"{f} = EXCLUDED.{f}"))),
        };
        IReadOnlyList<(string, string)> missing = [];
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            if (sql.Contains("RETURNING", StringComparison.Ordinal))
            {
                var updated = new HashSet<string>(StringComparer.Ordinal);
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                    while (await reader.ReadAsync(cancellationToken)) updated.Add(reader.GetString(0));
                missing = rows.Where(r => !updated.Contains(r.Key)).Select(r => (r.Key, "no record with this key in the table (mode: update never creates one)")).ToList();
            }
            else
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return missing;
    }

    /// <summary>Writes the rows (key, then the fields in the sync's order) through a COPY … FROM STDIN in text format.</summary>
    private async Task CopyAsync(NpgsqlConnection connection, string copySql, IReadOnlyList<SyncRecord> rows, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginTextImportAsync(copySql, cancellationToken);
        var line = new StringBuilder(1 << 16);
        var values = new string?[_fields.Count];
        foreach (var row in rows)
        {
            AppendCopyValue(line, row.Key);
            Array.Clear(values);
            ReadFields(row.Fields, values);
            foreach (var value in values) AppendCopyValue(line.Append('\t'), value);
            line.Append('\n');
            // Written in pieces of about 64 KiB, not a call per row.
            if (line.Length >= 1 << 16)
            {
                await copy.WriteAsync(line, cancellationToken);
                line.Clear();
            }
        }
        if (line.Length > 0) await copy.WriteAsync(line, cancellationToken);
    }

    /// <summary>
    /// A row's fields (a JSON object named by destination field) as the text each column is given, in the sync's
    /// field order: a string as itself, a number, true or false as written, null as null, an object or array as JSON
    /// (as <c>jsonb_populate_record</c> reads them, but for arrays into array columns, which take the row-by-row path).
    /// </summary>
    private void ReadFields(string? fields, string?[] values)
    {
        if (fields is null) return;
        var bytes = Encoding.UTF8.GetBytes(fields);
        var reader = new System.Text.Json.Utf8JsonReader(bytes);
        reader.Read();
        while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
        {
            var index = _fieldIndex.TryGetValue(reader.GetString()!, out var i) ? i : -1;
            reader.Read();
            string? value;
            switch (reader.TokenType)
            {
                case System.Text.Json.JsonTokenType.String:
                    value = reader.GetString();
                    break;
                case System.Text.Json.JsonTokenType.Null:
                    value = null;
                    break;
                case System.Text.Json.JsonTokenType.StartObject or System.Text.Json.JsonTokenType.StartArray:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    value = Encoding.UTF8.GetString(bytes.AsSpan(start, (int)reader.BytesConsumed - start));
                    break;
                default:
                    value = Encoding.UTF8.GetString(reader.ValueSpan);
                    break;
            }
            if (index >= 0) values[index] = value;
        }
    }

    /// <summary>A value in COPY's text format: \N for null; backslash, tab, newline and carriage return escaped.</summary>
    private static void AppendCopyValue(StringBuilder line, string? value)
    {
        if (value is null)
        {
            line.Append("\\N");
            return;
        }
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': line.Append("\\\\"); break;
                case '\t': line.Append("\\t"); break;
                case '\n': line.Append("\\n"); break;
                case '\r': line.Append("\\r"); break;
                default: line.Append(c); break;
            }
        }
    }

    /// <summary>One operation over rows; returns the keys an update found no record for.</summary>
    private async Task<IReadOnlyList<(string Key, string Reason)>> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, SyncMode mode,
        SyncOperation operation, IReadOnlyList<SyncRecord> rows, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", new[] { _key }.Concat(_fields));
        var records = $"jsonb_populate_recordset(NULL::{_table}, @rows)";
        string sql = operation switch
        {
            SyncOperation.Delete => $"DELETE FROM {_table} WHERE {_key}::text = ANY(@keys)",
            SyncOperation.Update when mode == SyncMode.Update =>
                $"UPDATE {_table} AS t SET {string.Join(", ", _fields.Select(f => $"{f} = r.{f}"))} FROM {records} AS r WHERE t.{_key} = r.{_key} RETURNING t.{_key}::text",
            SyncOperation.Create when mode == SyncMode.Insert => $"INSERT INTO {_table} ({columns}) SELECT {columns} FROM {records}",
            _ => $"INSERT INTO {_table} ({columns}) SELECT {columns} FROM {records} ON CONFLICT ({_key}) DO UPDATE SET " +
                 string.Join(", ", _fields.Select(f => $"{f} = EXCLUDED.{f}")),
        };
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (operation == SyncOperation.Delete)
            command.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Key).ToArray() });
        else
            command.Parameters.Add(new NpgsqlParameter("rows", NpgsqlDbType.Jsonb) { Value = RecordsJson(rows) });
        if (sql.Contains("RETURNING", StringComparison.Ordinal))
        {
            var updated = new HashSet<string>(StringComparer.Ordinal);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken)) updated.Add(reader.GetString(0));
            return rows.Where(r => !updated.Contains(r.Key)).Select(r => (r.Key, "no record with this key in the table (mode: update never creates one)")).ToList();
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
        return [];
    }

    /// <summary>The rows as a JSON array of objects: the key's column and each field's, as the table's columns are named.</summary>
    private string RecordsJson(IReadOnlyList<SyncRecord> rows)
    {
        var keyName = _key.Trim('"').Replace("\"\"", "\"", StringComparison.Ordinal);
        var json = new StringBuilder("[");
        foreach (var row in rows)
        {
            if (json.Length > 1) json.Append(',');
            json.Append('{').Append(System.Text.Json.JsonSerializer.Serialize(keyName)).Append(':').Append(System.Text.Json.JsonSerializer.Serialize(row.Key));
            var fields = row.Fields ?? "{}";
            var inner = fields.AsSpan(1, fields.Length - 2).Trim();
            if (inner.Length > 0) json.Append(',').Append(inner);
            json.Append('}');
        }
        return json.Append(']').ToString();
    }

    private async Task RunAsync(Func<NpgsqlConnection, Task> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _source.OpenConnectionAsync(cancellationToken);
            await work(connection);
        }
        catch (PostgresException e) when (IsTransient(e))
        {
            throw new TransientDeliveryException($"PostgreSQL answered {e.SqlState} ({e.MessageText})", inner: e);
        }
        catch (PostgresException e) when (!IsDataError(e))
        {
            throw new SyncDestinationException($"the PostgreSQL table {_table} refused the sync's statement: {e.SqlState} {e.MessageText}" +
                (e.SqlState == "42P10" ? $"; upsert and mirror need a unique index on {_key}" : "; check the table's columns against the sync's fields"), e);
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw new TransientDeliveryException("PostgreSQL could not be reached", inner: e);
        }
        catch (TimeoutException e)
        {
            throw new TransientDeliveryException("PostgreSQL did not answer in time", inner: e);
        }
    }

    private static bool IsDataError(PostgresException e) => e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal);

    private static bool IsTransient(PostgresException e) =>
        e.IsTransient || e.SqlState.StartsWith("08", StringComparison.Ordinal) || e.SqlState.StartsWith("53", StringComparison.Ordinal) ||
        e.SqlState is "40001" or "40P01" or "57P01" or "57P02" or "57P03";

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
