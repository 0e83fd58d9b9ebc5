using DuckDB.NET.Data;
using Ladle.Engine.State;

namespace Ladle.Engine.Store;

/// <summary>
/// The store's own record of every version attempt (<c>ladle_meta.versions</c> in store.duckdb), written beside
/// each version table. It lets the store explain its tables without the state file: start-up refuses to drop what
/// the manifest knows and the state does not, <c>ladle recover</c> rebuilds the state's version ledger from it, and
/// its highest number per dataset is never handed out again. Rows are never deleted, only moved to a later status.
/// </summary>
public sealed class StoreManifest
{
    /// <summary>The schema of Ladle's own tables in the store.</summary>
    public const string Schema = "ladle_meta";

    private const string Table = Schema + ".versions";
    private readonly DuckDbStore _store;

    internal StoreManifest(DuckDbStore store, DuckDBConnection root)
    {
        _store = store;
        DuckDbStore.Execute(root, $"CREATE SCHEMA IF NOT EXISTS {Schema}");
        DuckDbStore.Execute(root, $"""
            CREATE TABLE IF NOT EXISTS {Table} (
                dataset         VARCHAR NOT NULL,
                version         BIGINT NOT NULL,
                status          VARCHAR NOT NULL,
                started_at      TIMESTAMP NOT NULL,
                finished_at     TIMESTAMP,
                published_at    TIMESTAMP,
                row_count       BIGINT,
                watermark       VARCHAR,
                error           VARCHAR,
                trigger         VARCHAR,
                definition_hash VARCHAR,
                PRIMARY KEY (dataset, version))
            """);
    }

    /// <summary>Records a version as it is now (inserted the first time, replaced after).</summary>
    public void Record(VersionRecord version, string? definitionHash = null)
    {
        using var connection = _store.Open();
        using var command = connection.CreateCommand();
        // The definition hash is known only when the attempt begins; later writes keep it.
        command.CommandText = $"""
            INSERT INTO {Table} VALUES ($dataset, $version, $status, $started, $finished, $published, $rows, $watermark, $error, $trigger, $hash)
            ON CONFLICT (dataset, version) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
                published_at = excluded.published_at, row_count = excluded.row_count, watermark = excluded.watermark,
                error = excluded.error, trigger = coalesce(excluded.trigger, trigger), definition_hash = coalesce(excluded.definition_hash, definition_hash)
            """;
        command.Parameters.Add(new DuckDBParameter("dataset", version.Dataset));
        command.Parameters.Add(new DuckDBParameter("version", version.Version));
        command.Parameters.Add(new DuckDBParameter("status", Name(version.Status)));
        command.Parameters.Add(new DuckDBParameter("started", version.StartedAt.UtcDateTime));
        command.Parameters.Add(new DuckDBParameter("finished", (object?)version.FinishedAt?.UtcDateTime ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("published", (object?)version.PublishedAt?.UtcDateTime ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("rows", (object?)version.RowCount ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("watermark", (object?)version.Watermark ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("error", (object?)version.Error ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("trigger", (object?)version.Trigger ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("hash", (object?)definitionHash ?? DBNull.Value));
        command.ExecuteNonQuery();
    }

    /// <summary>Marks a published or quarantined version dropped: its table is gone.</summary>
    public void MarkDropped(string dataset, long version)
    {
        using var connection = _store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE {Table} SET status = 'dropped' WHERE dataset = $dataset AND version = $version AND status IN ('published', 'quarantined')";
        command.Parameters.Add(new DuckDBParameter("dataset", dataset));
        command.Parameters.Add(new DuckDBParameter("version", version));
        command.ExecuteNonQuery();
    }

    /// <summary>Every version the store has a record of, by dataset then version.</summary>
    public IReadOnlyList<(VersionRecord Version, string? DefinitionHash)> List()
    {
        using var connection = _store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT dataset, version, status, started_at, finished_at, published_at, row_count, watermark, error, trigger, definition_hash FROM {Table} ORDER BY dataset, version";
        using var reader = command.ExecuteReader();
        var rows = new List<(VersionRecord, string?)>();
        while (reader.Read())
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc));
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add((new VersionRecord
            {
                Dataset = reader.GetString(0),
                Version = reader.GetInt64(1),
                Status = Enum.Parse<VersionStatus>(reader.GetString(2), ignoreCase: true),
                StartedAt = At(3)!.Value,
                FinishedAt = At(4),
                PublishedAt = At(5),
                RowCount = reader.IsDBNull(6) ? null : reader.GetInt64(6),
                Watermark = Text(7),
                Error = Text(8),
                Trigger = Text(9),
            }, Text(10)));
        }
        return rows;
    }

    private static string Name(VersionStatus status) => status.ToString().ToLowerInvariant();
}
