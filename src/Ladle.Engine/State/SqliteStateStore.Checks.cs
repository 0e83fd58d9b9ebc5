using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>Check results (<see cref="ICheckResultStore"/>) in the <c>check_results</c> table.</summary>
public sealed partial class SqliteStateStore
{
    public async Task RecordCheckResultsAsync(IReadOnlyList<CheckResult> results, CancellationToken cancellationToken)
    {
        if (results.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO check_results (dataset, version, check_name, kind, severity, outcome, failing_rows, total_rows, observed, message, sample, ran_at, duration_ms)
            VALUES ($dataset, $version, $check, $kind, $severity, $outcome, $failing, $total, $observed, $message, $sample, $ran, $ms)
            """;
        foreach (var r in results)
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$dataset", r.Dataset);
            command.Parameters.AddWithValue("$version", (object?)r.Version ?? DBNull.Value);
            command.Parameters.AddWithValue("$check", r.Check);
            command.Parameters.AddWithValue("$kind", Core.Loading.ProjectLoader.Snake(r.Kind));
            command.Parameters.AddWithValue("$severity", r.Severity.ToString().ToLowerInvariant());
            command.Parameters.AddWithValue("$outcome", r.Outcome.ToString().ToLowerInvariant());
            command.Parameters.AddWithValue("$failing", r.FailingRows);
            command.Parameters.AddWithValue("$total", r.TotalRows);
            command.Parameters.AddWithValue("$observed", (object?)r.Observed ?? DBNull.Value);
            command.Parameters.AddWithValue("$message", r.Message);
            command.Parameters.AddWithValue("$sample", (object?)r.Sample ?? DBNull.Value);
            command.Parameters.AddWithValue("$ran", Format(r.RanAt));
            command.Parameters.AddWithValue("$ms", (long)r.Duration.TotalMilliseconds);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<CheckResult>> ListCheckResultsAsync(string dataset, long? version, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = version is null
            ? "SELECT * FROM check_results WHERE dataset = $dataset ORDER BY ran_at DESC, rowid DESC LIMIT $limit"
            : "SELECT * FROM check_results WHERE dataset = $dataset AND version = $version ORDER BY ran_at DESC, rowid DESC LIMIT $limit";
        command.Parameters.AddWithValue("$dataset", dataset);
        command.Parameters.AddWithValue("$version", (object?)version ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var results = new List<CheckResult>();
        while (await reader.ReadAsync(cancellationToken))
        {
            results.Add(new CheckResult
            {
                Dataset = reader.GetString(0),
                Version = reader.IsDBNull(1) ? null : reader.GetInt64(1),
                Check = reader.GetString(2),
                Kind = Enum.Parse<Core.Model.CheckKind>(reader.GetString(3).Replace("_", "", StringComparison.Ordinal), ignoreCase: true),
                Severity = Enum.Parse<Core.Model.CheckSeverity>(reader.GetString(4), ignoreCase: true),
                Outcome = Enum.Parse<CheckOutcome>(reader.GetString(5), ignoreCase: true),
                FailingRows = reader.GetInt64(6),
                TotalRows = reader.GetInt64(7),
                Observed = reader.IsDBNull(8) ? null : reader.GetDouble(8),
                Message = reader.GetString(9),
                Sample = reader.IsDBNull(10) ? null : reader.GetString(10),
                RanAt = DateTimeOffset.Parse(reader.GetString(11), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                Duration = TimeSpan.FromMilliseconds(reader.GetInt64(12)),
            });
        }
        return results;
    }

    public async Task<IReadOnlyList<double>> CheckHistoryAsync(string dataset, string check, long? beforeVersion, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Only versions that were accepted (published, possibly dropped since) form the history an anomaly is judged
        // by, one value per version (a later 'ladle checks run' on the same version does not count twice).
        command.CommandText = """
            SELECT observed FROM (
                SELECT c.version, c.observed, row_number() OVER (PARTITION BY c.version ORDER BY c.ran_at DESC, c.rowid DESC) AS newest
                FROM check_results c JOIN versions v ON v.dataset = c.dataset AND v.version = c.version
                WHERE c.dataset = $dataset AND c.check_name = $check AND c.observed IS NOT NULL AND v.status IN ('published', 'dropped')
                  AND ($before IS NULL OR c.version < $before))
            WHERE newest = 1 ORDER BY version DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$dataset", dataset);
        command.Parameters.AddWithValue("$check", check);
        command.Parameters.AddWithValue("$before", (object?)beforeVersion ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<double>();
        while (await reader.ReadAsync(cancellationToken)) values.Add(reader.GetDouble(0));
        return values;
    }
}
