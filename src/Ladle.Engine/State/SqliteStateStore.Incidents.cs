using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>Incidents and their owed alerts (<see cref="IIncidentStore"/>) in the <c>incidents</c> table.</summary>
public sealed partial class SqliteStateStore
{
    public async Task<long?> OpenIncidentAsync(string dataset, string kind, string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO incidents (dataset, kind, reason, opened_at, opened_alerted, resolved_alerted) VALUES ($dataset, $kind, $reason, $at, 0, 0)
            ON CONFLICT DO NOTHING RETURNING id
            """;
        command.Parameters.AddWithValue("$dataset", dataset);
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$reason", reason);
        command.Parameters.AddWithValue("$at", Format(at));
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    public async Task<long?> ResolveIncidentAsync(string dataset, string kind, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE incidents SET resolved_at = $at, resolved_alerted = 0 WHERE dataset = $dataset AND kind = $kind AND resolved_at IS NULL RETURNING id";
        command.Parameters.AddWithValue("$dataset", dataset);
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$at", Format(at));
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    public Task MarkIncidentAlertedAsync(long incident, bool resolution, CancellationToken cancellationToken) =>
        ExecuteAsync(resolution ? "UPDATE incidents SET resolved_alerted = 1 WHERE id = $id" : "UPDATE incidents SET opened_alerted = 1 WHERE id = $id",
            cancellationToken, ("$id", incident));

    public async Task<IReadOnlyList<UnalertedIncident>> ListUnalertedIncidentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, dataset, kind, reason, opened_at, resolved_at, opened_alerted, resolved_alerted FROM incidents
            WHERE opened_alerted = 0 OR (resolved_at IS NOT NULL AND resolved_alerted = 0) ORDER BY id
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var owed = new List<UnalertedIncident>();
        while (await reader.ReadAsync(cancellationToken))
            owed.Add(new UnalertedIncident(ReadIncident(reader), reader.GetInt64(6) == 0, !reader.IsDBNull(5) && reader.GetInt64(7) == 0));
        return owed;
    }

    private static Incident ReadIncident(SqliteDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            reader.IsDBNull(5) ? null : DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));

    public async Task<IReadOnlyList<Incident>> ListIncidentsAsync(string? dataset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = dataset is null
            ? "SELECT id, dataset, kind, reason, opened_at, resolved_at FROM incidents ORDER BY id DESC LIMIT $limit"
            : "SELECT id, dataset, kind, reason, opened_at, resolved_at FROM incidents WHERE dataset = $dataset ORDER BY id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$dataset", (object?)dataset ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var incidents = new List<Incident>();
        while (await reader.ReadAsync(cancellationToken)) incidents.Add(ReadIncident(reader));
        return incidents;
    }
}
