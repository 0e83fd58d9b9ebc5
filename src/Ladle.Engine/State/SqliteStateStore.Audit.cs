using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>The audit log (<see cref="IAuditStore"/>) in the <c>audit</c> table.</summary>
public sealed partial class SqliteStateStore
{
    public async Task AppendAuditAsync(IReadOnlyList<AuditRecord> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO audit (at, principal, interface, target, action, filters, rows, bytes, status, duration_ms, format, version, subject)
            VALUES ($at, $principal, $interface, $target, $action, $filters, $rows, $bytes, $status, $ms, $format, $version, $subject)
            """;
        var at = command.Parameters.Add("$at", SqliteType.Text);
        var principal = command.Parameters.Add("$principal", SqliteType.Text);
        var face = command.Parameters.Add("$interface", SqliteType.Text);
        var target = command.Parameters.Add("$target", SqliteType.Text);
        var action = command.Parameters.Add("$action", SqliteType.Text);
        var filters = command.Parameters.Add("$filters", SqliteType.Text);
        var rows = command.Parameters.Add("$rows", SqliteType.Integer);
        var bytes = command.Parameters.Add("$bytes", SqliteType.Integer);
        var status = command.Parameters.Add("$status", SqliteType.Text);
        var ms = command.Parameters.Add("$ms", SqliteType.Integer);
        var format = command.Parameters.Add("$format", SqliteType.Text);
        var version = command.Parameters.Add("$version", SqliteType.Text);
        var subject = command.Parameters.Add("$subject", SqliteType.Text);
        foreach (var e in entries)
        {
            at.Value = Format(e.At);
            principal.Value = e.Principal;
            face.Value = e.Interface;
            target.Value = e.Target;
            action.Value = e.Action;
            filters.Value = e.Filters;
            rows.Value = e.Rows;
            bytes.Value = e.Bytes;
            status.Value = e.Status;
            ms.Value = e.DurationMs;
            format.Value = (object?)e.Format ?? DBNull.Value;
            version.Value = (object?)e.Version ?? DBNull.Value;
            subject.Value = (object?)e.Subject ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<long> BeginAuditAsync(AuditRecord entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO audit (at, principal, interface, target, action, filters, rows, bytes, status, duration_ms, format, version, subject)
            VALUES ($at, $principal, $interface, $target, $action, $filters, $rows, $bytes, $status, $ms, $format, $version, $subject) RETURNING rowid
            """;
        command.Parameters.AddWithValue("$at", Format(entry.At));
        command.Parameters.AddWithValue("$principal", entry.Principal);
        command.Parameters.AddWithValue("$interface", entry.Interface);
        command.Parameters.AddWithValue("$target", entry.Target);
        command.Parameters.AddWithValue("$action", entry.Action);
        command.Parameters.AddWithValue("$filters", entry.Filters);
        command.Parameters.AddWithValue("$rows", entry.Rows);
        command.Parameters.AddWithValue("$bytes", entry.Bytes);
        command.Parameters.AddWithValue("$status", entry.Status);
        command.Parameters.AddWithValue("$ms", entry.DurationMs);
        command.Parameters.AddWithValue("$format", (object?)entry.Format ?? DBNull.Value);
        command.Parameters.AddWithValue("$version", (object?)entry.Version ?? DBNull.Value);
        command.Parameters.AddWithValue("$subject", (object?)entry.Subject ?? DBNull.Value);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task CompleteAuditAsync(IReadOnlyList<(long Id, AuditRecord Entry)> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE audit SET rows = $rows, bytes = $bytes, status = $status, duration_ms = $ms, version = coalesce($version, version) WHERE rowid = $id";
        foreach (var (id, e) in entries)
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$rows", e.Rows);
            command.Parameters.AddWithValue("$bytes", e.Bytes);
            command.Parameters.AddWithValue("$status", e.Status);
            command.Parameters.AddWithValue("$ms", e.DurationMs);
            command.Parameters.AddWithValue("$version", (object?)e.Version ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditRecord>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT at, principal, interface, target, action, filters, rows, bytes, status, duration_ms, format, version, subject FROM audit
            WHERE ($principal IS NULL OR principal = $principal) AND ($target IS NULL OR target = $target) AND ($since IS NULL OR at >= $since)
            ORDER BY at DESC, rowid DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$principal", (object?)query.Principal ?? DBNull.Value);
        command.Parameters.AddWithValue("$target", (object?)query.Target ?? DBNull.Value);
        command.Parameters.AddWithValue("$since", query.Since is { } since ? Format(since) : DBNull.Value);
        command.Parameters.AddWithValue("$limit", query.Limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<AuditRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new AuditRecord(DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetInt64(6), reader.GetInt64(7), reader.GetString(8), reader.GetInt64(9),
                reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12)));
        }
        return records;
    }

    public async Task<int> DeleteAuditBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM audit WHERE at < $before";
        command.Parameters.AddWithValue("$before", Format(before));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
