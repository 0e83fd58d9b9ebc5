using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>
/// The embedded state store: one SQLite file under the project's .ladle folder, in WAL mode. Every concern lives in
/// a partial file of its own (<c>SqliteStateStore.Versions.cs</c>, <c>.Checks.cs</c>, …); every call opens a pooled
/// connection, so several processes on one machine can share the file.
/// </summary>
public sealed partial class SqliteStateStore : IStateStore
{
    private readonly string _connectionString;
    private readonly string _path;
    private readonly TimeProvider _clock;

    /// <param name="path">The database file; its folder is created (owner-only) if missing.</param>
    /// <param name="clock">The clock run leases expire by.</param>
    public SqliteStateStore(string path, TimeProvider? clock = null)
    {
        FilePath = path;
        _clock = clock ?? TimeProvider.System;
        Internal.PrivateFiles.CreateFolderOf(path);
        _path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <inheritdoc/>
    public string Location => FilePath;

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
            CREATE TABLE IF NOT EXISTS check_results (
                dataset      TEXT NOT NULL,
                version      INTEGER,
                check_name   TEXT NOT NULL,
                kind         TEXT NOT NULL,
                severity     TEXT NOT NULL,
                outcome      TEXT NOT NULL,
                failing_rows INTEGER NOT NULL,
                total_rows   INTEGER NOT NULL,
                observed     REAL,
                message      TEXT NOT NULL,
                sample       TEXT,
                ran_at       TEXT NOT NULL,
                duration_ms  INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS check_results_dataset ON check_results (dataset, check_name, ran_at);
            CREATE TABLE IF NOT EXISTS incidents (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                dataset     TEXT NOT NULL,
                kind        TEXT NOT NULL,
                reason      TEXT NOT NULL,
                opened_at   TEXT NOT NULL,
                resolved_at TEXT,
                opened_alerted   INTEGER NOT NULL DEFAULT 1,
                resolved_alerted INTEGER NOT NULL DEFAULT 1
            );
            CREATE UNIQUE INDEX IF NOT EXISTS incidents_open ON incidents (dataset, kind) WHERE resolved_at IS NULL;
            CREATE TABLE IF NOT EXISTS tokens (
                id           TEXT PRIMARY KEY,
                principal    TEXT NOT NULL,
                salt         TEXT NOT NULL,
                hash         TEXT NOT NULL,
                created_at   TEXT NOT NULL,
                expires_at   TEXT,
                revoked_at   TEXT,
                last_used_at TEXT,
                description  TEXT,
                scram_verifier TEXT
            );
            CREATE TABLE IF NOT EXISTS audit (
                at          TEXT NOT NULL,
                principal   TEXT NOT NULL,
                interface   TEXT NOT NULL,
                target      TEXT NOT NULL,
                action      TEXT NOT NULL,
                filters     TEXT NOT NULL,
                rows        INTEGER NOT NULL,
                bytes       INTEGER NOT NULL,
                status      TEXT NOT NULL,
                duration_ms INTEGER NOT NULL,
                format      TEXT,
                version     TEXT
            );
            CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
            CREATE INDEX IF NOT EXISTS audit_principal ON audit (principal, at);
            CREATE TABLE IF NOT EXISTS run_leases (
                dataset     TEXT PRIMARY KEY,
                owner       TEXT NOT NULL,
                acquired_at TEXT NOT NULL,
                expires_at  TEXT NOT NULL
            );
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);

        // State files from before alerts were tracked: their incidents count as alerted (they were, at most once).
        await using var columns = connection.CreateCommand();
        columns.CommandText = "SELECT count(*) FROM pragma_table_info('incidents') WHERE name = 'opened_alerted'";
        if ((long)(await columns.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            await using var alter = connection.CreateCommand();
            alter.CommandText = """
                ALTER TABLE incidents ADD COLUMN opened_alerted INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE incidents ADD COLUMN resolved_alerted INTEGER NOT NULL DEFAULT 1;
                """;
            await alter.ExecuteNonQueryAsync(cancellationToken);
        }
        // State files from before the audit recorded what was read: their entries have no format or version.
        await using var auditColumns = connection.CreateCommand();
        auditColumns.CommandText = "SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'format'";
        if ((long)(await auditColumns.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            await using var alter = connection.CreateCommand();
            alter.CommandText = "ALTER TABLE audit ADD COLUMN format TEXT; ALTER TABLE audit ADD COLUMN version TEXT;";
            await alter.ExecuteNonQueryAsync(cancellationToken);
        }
        // State files from before embed subjects were audited: their entries have none.
        await using var subjectColumn = connection.CreateCommand();
        subjectColumn.CommandText = "SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'subject'";
        if ((long)(await subjectColumn.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            await using var alter = connection.CreateCommand();
            alter.CommandText = "ALTER TABLE audit ADD COLUMN subject TEXT";
            await alter.ExecuteNonQueryAsync(cancellationToken);
        }
        // State files from before the wire protocol: their tokens have no SCRAM verifier (and cannot sign in over it).
        await using var scramColumn = connection.CreateCommand();
        scramColumn.CommandText = "SELECT count(*) FROM pragma_table_info('tokens') WHERE name = 'scram_verifier'";
        if ((long)(await scramColumn.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            await using var alter = connection.CreateCommand();
            alter.CommandText = "ALTER TABLE tokens ADD COLUMN scram_verifier TEXT";
            await alter.ExecuteNonQueryAsync(cancellationToken);
        }
        await InitializeSyncsAsync(connection, cancellationToken);
        await InitializeWebSessionsAsync(connection, cancellationToken);
        Internal.PrivateFiles.Restrict(_path);
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    // Seven digits keep the text fixed-width (so it compares in time order, as older files wrote it); the last one is
    // always 0 since times are kept to the microsecond, as every backend keeps them (StateTime).
    private static string Format(DateTimeOffset at) => StateTime.Utc(at).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Parse(SqliteDataReader reader, string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? null : DateTimeOffset.Parse(reader.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
