using Npgsql;
using NpgsqlTypes;

namespace Ladle.Engine.State;

/// <summary>Incidents and their owed alerts (<see cref="IIncidentStore"/>) in the <c>incidents</c> table.</summary>
public sealed partial class PostgresStateStore
{
    private const string IncidentColumns = "id, dataset, kind, reason, opened_at, resolved_at";

    public async Task<long?> OpenIncidentAsync(string dataset, string kind, string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // The partial unique index (one open incident per dataset and kind) is the arbiter: a node racing another to
        // open the same incident inserts nothing and gets no id.
        await using var command = Command(connection, """
            INSERT INTO incidents (dataset, kind, reason, opened_at, opened_alerted, resolved_alerted) VALUES ($1, $2, $3, $4, false, false)
            ON CONFLICT DO NOTHING RETURNING id
            """, dataset, kind, reason, at);
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    public async Task<long?> ResolveIncidentAsync(string dataset, string kind, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection,
            "UPDATE incidents SET resolved_at = $3, resolved_alerted = false WHERE dataset = $1 AND kind = $2 AND resolved_at IS NULL RETURNING id",
            dataset, kind, at);
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    public Task MarkIncidentAlertedAsync(long incident, bool resolution, CancellationToken cancellationToken) =>
        ExecuteAsync(resolution ? "UPDATE incidents SET resolved_alerted = true WHERE id = $1" : "UPDATE incidents SET opened_alerted = true WHERE id = $1",
            cancellationToken, incident);

    public async Task<IReadOnlyList<UnalertedIncident>> ListUnalertedIncidentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {IncidentColumns}, opened_alerted, resolved_alerted FROM incidents
            WHERE NOT opened_alerted OR (resolved_at IS NOT NULL AND NOT resolved_alerted) ORDER BY id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var owed = new List<UnalertedIncident>();
        while (await reader.ReadAsync(cancellationToken))
            owed.Add(new UnalertedIncident(ReadIncident(reader), !reader.GetBoolean(6), !reader.IsDBNull(5) && !reader.GetBoolean(7)));
        return owed;
    }

    public async Task<IReadOnlyList<Incident>> ListIncidentsAsync(string? dataset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection,
            $"SELECT {IncidentColumns} FROM incidents WHERE ($1::text IS NULL OR dataset = $1::text) ORDER BY id DESC LIMIT $2",
            Typed(dataset, NpgsqlDbType.Text), limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var incidents = new List<Incident>();
        while (await reader.ReadAsync(cancellationToken)) incidents.Add(ReadIncident(reader));
        return incidents;
    }

    private static Incident ReadIncident(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), At(reader, 4), NullableAt(reader, 5));
}
