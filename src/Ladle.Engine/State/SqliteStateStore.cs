using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>The embedded state store: one SQLite file under the project's .ladle folder, in WAL mode.</summary>
public sealed class SqliteStateStore : IStateStore
{
    private readonly string _connectionString;

    public SqliteStateStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";
        await pragma.ExecuteNonQueryAsync(ct);
        return connection;
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS versions (
                dataset      TEXT NOT NULL,
                version      INTEGER NOT NULL,
                status       TEXT NOT NULL,
                started_at   TEXT NOT NULL,
                finished_at  TEXT,
                published_at TEXT,
                row_count    INTEGER,
                watermark    TEXT,
                error        TEXT,
                trigger      TEXT,
                PRIMARY KEY (dataset, version)
            );
            CREATE INDEX IF NOT EXISTS versions_status ON versions (status);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<VersionRecord> BeginVersionAsync(string dataset, string trigger, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // Microsoft.Data.Sqlite begins IMMEDIATE by default: the write lock comes first, so two processes can't allocate the same number.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO versions (dataset, version, status, started_at, trigger)
            SELECT $dataset, COALESCE(MAX(version), 0) + 1, 'building', $started, $trigger FROM versions WHERE dataset = $dataset
            RETURNING version;
            """;
        command.Parameters.AddWithValue("$dataset", dataset);
        command.Parameters.AddWithValue("$started", Format(startedAt));
        command.Parameters.AddWithValue("$trigger", trigger);
        var version = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new VersionRecord { Dataset = dataset, Version = version, Status = VersionStatus.Building, StartedAt = startedAt, Trigger = trigger };
    }

    public Task PublishVersionAsync(string dataset, long version, long rowCount, string? watermark, DateTimeOffset publishedAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'published', finished_at = $at, published_at = $at, row_count = $rows, watermark = $watermark WHERE dataset = $dataset AND version = $version",
            cancellationToken,
            ("$dataset", dataset), ("$version", version), ("$at", Format(publishedAt)), ("$rows", rowCount), ("$watermark", watermark));

    public Task FailVersionAsync(string dataset, long version, string error, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'failed', finished_at = $at, error = $error WHERE dataset = $dataset AND version = $version",
            cancellationToken,
            ("$dataset", dataset), ("$version", version), ("$at", Format(finishedAt)), ("$error", error));

    public Task MarkDroppedAsync(string dataset, long version, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'dropped' WHERE dataset = $dataset AND version = $version AND status = 'published'",
            cancellationToken, ("$dataset", dataset), ("$version", version));

    public async Task<int> FailInterruptedAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE versions SET status = 'failed', finished_at = $at, error = $error WHERE status = 'building'";
        command.Parameters.AddWithValue("$at", Format(at));
        command.Parameters.AddWithValue("$error", reason);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<IReadOnlyList<VersionRecord>> ListVersionsAsync(string dataset, int limit, CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM versions WHERE dataset = $dataset ORDER BY version DESC LIMIT $limit", cancellationToken,
            ("$dataset", dataset), ("$limit", limit));

    public Task<IReadOnlyList<VersionRecord>> ListPublishedAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM versions WHERE status = 'published' ORDER BY dataset, version DESC", cancellationToken);

    private async Task ExecuteAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<VersionRecord>> QueryAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var result = new List<VersionRecord>();
        while (await reader.ReadAsync(ct))
        {
            result.Add(new VersionRecord
            {
                Dataset = reader.GetString(reader.GetOrdinal("dataset")),
                Version = reader.GetInt64(reader.GetOrdinal("version")),
                Status = Enum.Parse<VersionStatus>(reader.GetString(reader.GetOrdinal("status")), ignoreCase: true),
                StartedAt = Parse(reader, "started_at")!.Value,
                FinishedAt = Parse(reader, "finished_at"),
                PublishedAt = Parse(reader, "published_at"),
                RowCount = reader.IsDBNull(reader.GetOrdinal("row_count")) ? null : reader.GetInt64(reader.GetOrdinal("row_count")),
                Watermark = reader.IsDBNull(reader.GetOrdinal("watermark")) ? null : reader.GetString(reader.GetOrdinal("watermark")),
                Error = reader.IsDBNull(reader.GetOrdinal("error")) ? null : reader.GetString(reader.GetOrdinal("error")),
                Trigger = reader.IsDBNull(reader.GetOrdinal("trigger")) ? null : reader.GetString(reader.GetOrdinal("trigger")),
            });
        }
        return result;
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Parse(SqliteDataReader reader, string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? null : DateTimeOffset.Parse(reader.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
