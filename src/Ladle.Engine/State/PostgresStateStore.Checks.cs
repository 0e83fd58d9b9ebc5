using NpgsqlTypes;

namespace Ladle.Engine.State;

/// <summary>Check results (<see cref="ICheckResultStore"/>) in the <c>check_results</c> table.</summary>
public sealed partial class PostgresStateStore
{
    public async Task RecordCheckResultsAsync(IReadOnlyList<CheckResult> results, CancellationToken cancellationToken)
    {
        if (results.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        // One batch, one round trip, one transaction: the results of a run are recorded together or not at all.
        await using var batch = connection.CreateBatch();
        foreach (var r in results)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = """
                INSERT INTO check_results (dataset, version, check_name, kind, severity, outcome, failing_rows, total_rows, observed, message, sample, ran_at, duration_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                """;
            foreach (var value in new object?[]
            {
                r.Dataset, Typed(r.Version, NpgsqlDbType.Bigint), r.Check, Core.Loading.ProjectLoader.Snake(r.Kind), r.Severity.ToString().ToLowerInvariant(),
                r.Outcome.ToString().ToLowerInvariant(), r.FailingRows, r.TotalRows, Typed(r.Observed, NpgsqlDbType.Double), r.Message,
                Typed(r.Sample, NpgsqlDbType.Text), r.RanAt, (long)r.Duration.TotalMilliseconds,
            })
                command.Parameters.Add(Parameter(value));
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<CheckResult>> ListCheckResultsAsync(string dataset, long? version, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        const string Columns = "dataset, version, check_name, kind, severity, outcome, failing_rows, total_rows, observed, message, sample, ran_at, duration_ms";
        await using var command = version is null
            ? Command(connection, $"SELECT {Columns} FROM check_results WHERE dataset = $1 ORDER BY ran_at DESC, id DESC LIMIT $2", dataset, limit)
            : Command(connection, $"SELECT {Columns} FROM check_results WHERE dataset = $1 AND version = $3 ORDER BY ran_at DESC, id DESC LIMIT $2", dataset, limit, version.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var results = new List<CheckResult>();
        while (await reader.ReadAsync(cancellationToken))
        {
            results.Add(new CheckResult
            {
                Dataset = reader.GetString(0),
                Version = NullableLong(reader, 1),
                Check = reader.GetString(2),
                Kind = Enum.Parse<Core.Model.CheckKind>(reader.GetString(3).Replace("_", "", StringComparison.Ordinal), ignoreCase: true),
                Severity = Enum.Parse<Core.Model.CheckSeverity>(reader.GetString(4), ignoreCase: true),
                Outcome = Enum.Parse<CheckOutcome>(reader.GetString(5), ignoreCase: true),
                FailingRows = reader.GetInt64(6),
                TotalRows = reader.GetInt64(7),
                Observed = reader.IsDBNull(8) ? null : reader.GetDouble(8),
                Message = reader.GetString(9),
                Sample = NullableString(reader, 10),
                RanAt = At(reader, 11),
                Duration = TimeSpan.FromMilliseconds(reader.GetInt64(12)),
            });
        }
        return results;
    }

    public async Task<IReadOnlyList<double>> CheckHistoryAsync(string dataset, string check, long? beforeVersion, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // As SQLite's: one value per accepted (published, possibly dropped since) version, its newest run.
        await using var command = Command(connection, """
            SELECT observed FROM (
                SELECT c.version, c.observed, row_number() OVER (PARTITION BY c.version ORDER BY c.ran_at DESC, c.id DESC) AS newest
                FROM check_results c JOIN versions v ON v.dataset = c.dataset AND v.version = c.version
                WHERE c.dataset = $1 AND c.check_name = $2 AND c.observed IS NOT NULL AND v.status IN ('published', 'dropped')
                  AND ($3::bigint IS NULL OR c.version < $3::bigint)) ranked
            WHERE newest = 1 ORDER BY version DESC LIMIT $4
            """, dataset, check, Typed(beforeVersion, NpgsqlDbType.Bigint), limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<double>();
        while (await reader.ReadAsync(cancellationToken)) values.Add(reader.GetDouble(0));
        return values;
    }
}
