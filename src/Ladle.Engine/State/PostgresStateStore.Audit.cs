using Npgsql;
using NpgsqlTypes;

namespace Ladle.Engine.State;

/// <summary>The audit log (<see cref="IAuditStore"/>) in the <c>audit</c> table.</summary>
public sealed partial class PostgresStateStore
{
    private const string AuditColumns = "at, principal, interface, target, action, filters, rows, bytes, status, duration_ms, format, version, subject";

    public async Task AppendAuditAsync(IReadOnlyList<AuditRecord> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        // One statement over arrays, whatever the batch's size: the rows take ids in the order of the batch, so
        // entries of one moment list newest-written first, as in SQLite.
        await using var command = new NpgsqlCommand($"""
            INSERT INTO audit ({AuditColumns})
            SELECT {AuditColumns} FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
                $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[])
                WITH ORDINALITY AS e(at, principal, interface, target, action, filters, rows, bytes, status, duration_ms, format, version, subject, n)
            ORDER BY n
            """, connection);
        command.Parameters.Add(Array(entries.Select(e => StateTime.Utc(e.At)).ToArray(), NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(entries.Select(e => e.Principal).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(entries.Select(e => e.Interface).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(entries.Select(e => e.Target).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(entries.Select(e => e.Action).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(entries.Select(e => e.Filters).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(entries.Select(e => e.Rows).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(entries.Select(e => e.Bytes).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(entries.Select(e => e.Status).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(entries.Select(e => e.DurationMs).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(entries.Select(e => e.Format).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(entries.Select(e => e.Version).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(entries.Select(e => e.Subject).ToArray(), NpgsqlDbType.Text));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Array<T>(T[] values, NpgsqlDbType element) => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | element };

    public async Task<long> BeginAuditAsync(AuditRecord entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            INSERT INTO audit ({AuditColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id
            """,
            entry.At, entry.Principal, entry.Interface, entry.Target, entry.Action, entry.Filters, entry.Rows, entry.Bytes, entry.Status, entry.DurationMs,
            Typed(entry.Format, NpgsqlDbType.Text), Typed(entry.Version, NpgsqlDbType.Text), Typed(entry.Subject, NpgsqlDbType.Text));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task CompleteAuditAsync(IReadOnlyList<(long Id, AuditRecord Entry)> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            UPDATE audit SET rows = e.rows, bytes = e.bytes, status = e.status, duration_ms = e.ms, version = coalesce(e.version, audit.version)
            FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[]) AS e(id, rows, bytes, status, ms, version)
            WHERE audit.id = e.id
            """, connection);
        command.Parameters.Add(Array(entries.Select(e => e.Id).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(entries.Select(e => e.Entry.Rows).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(entries.Select(e => e.Entry.Bytes).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(entries.Select(e => e.Entry.Status).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(Array(entries.Select(e => e.Entry.DurationMs).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(Array(entries.Select(e => e.Entry.Version).ToArray(), NpgsqlDbType.Text));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditRecord>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {AuditColumns} FROM audit
            WHERE ($1::text IS NULL OR principal = $1::text) AND ($2::text IS NULL OR target = $2::text) AND ($3::timestamptz IS NULL OR at >= $3::timestamptz)
            ORDER BY at DESC, id DESC LIMIT $4
            """,
            Typed(query.Principal, NpgsqlDbType.Text), Typed(query.Target, NpgsqlDbType.Text),
            Typed(query.Since is { } since ? StateTime.Utc(since) : null, NpgsqlDbType.TimestampTz), query.Limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<AuditRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new AuditRecord(At(reader, 0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetInt64(6), reader.GetInt64(7), reader.GetString(8), reader.GetInt64(9),
                NullableString(reader, 10), NullableString(reader, 11), NullableString(reader, 12)));
        }
        return records;
    }

    public Task<int> DeleteAuditBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM audit WHERE at < $1", cancellationToken, before);
}
