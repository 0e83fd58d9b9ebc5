using System.Text;
using Ladle.Core.Model.Syncs;
using Ladle.Core.Sql;
using Ladle.Engine.State;
using Npgsql;
using NpgsqlTypes;

namespace Ladle.Syncs.Delivery;

/// <summary>
/// A PostgreSQL table through Npgsql. A batch is one statement over <c>jsonb_populate_recordset</c>, so the table's
/// own column types convert the values: INSERT (insert), INSERT … ON CONFLICT (key) DO UPDATE (upsert, mirror;
/// needs a unique index on the key column), UPDATE … FROM (update; a key the table lacks is rejected), DELETE
/// (mirror). A batch the table refuses for its data (SQLSTATE classes 22 and 23) is retried row by row under
/// savepoints so only the rows at fault are rejected; a lost connection or an overloaded server is transient.
/// </summary>
public sealed class PostgresDestination : ISyncDestination
{
    private readonly NpgsqlDataSource _source;
    private readonly string _table;
    private readonly string _key;
    private readonly IReadOnlyList<string> _fields;

    public PostgresDestination(string connectionString, string table, SyncDefinition sync)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        _table = SqlDialect.Postgres.QuoteQualified(table);
        _key = SqlDialect.Postgres.Quote(sync.Key.Destination);
        _fields = sync.Fields.Select(f => SqlDialect.Postgres.Quote(f.Destination)).ToList();
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
                    rejected.AddRange(await ApplyAsync(connection, null, batch.Mode, group.Key, rows, cancellationToken));
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
