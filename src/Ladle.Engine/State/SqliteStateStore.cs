using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>The embedded state store: one SQLite file under the project's .ladle folder, in WAL mode.</summary>
public sealed class SqliteStateStore : IStateStore
{
    private readonly string _connectionString;
    private readonly string _path;

    public SqliteStateStore(string path)
    {
        FilePath = path;
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
                description  TEXT
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
        Internal.PrivateFiles.Restrict(_path);
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
            "UPDATE versions SET status = 'dropped' WHERE dataset = $dataset AND version = $version AND status IN ('published', 'quarantined')",
            cancellationToken, ("$dataset", dataset), ("$version", version));

    public Task QuarantineVersionAsync(string dataset, long version, long rowCount, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'quarantined', finished_at = $at, row_count = $rows, error = $error WHERE dataset = $dataset AND version = $version",
            cancellationToken,
            ("$dataset", dataset), ("$version", version), ("$at", Format(finishedAt)), ("$rows", rowCount), ("$error", reason));

    public Task<IReadOnlyList<VersionRecord>> ListQuarantinedAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM versions WHERE status = 'quarantined' ORDER BY dataset, version DESC", cancellationToken);

    public Task InterruptVersionAsync(string dataset, long version, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE versions SET status = 'interrupted', finished_at = $at, error = $error WHERE dataset = $dataset AND version = $version",
            cancellationToken,
            ("$dataset", dataset), ("$version", version), ("$at", Format(finishedAt)), ("$error", reason));

    public Task<IReadOnlyList<VersionRecord>> ListAllVersionsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT * FROM versions ORDER BY dataset, version", cancellationToken);

    public async Task<bool> RestoreVersionAsync(VersionRecord version, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO versions (dataset, version, status, started_at, finished_at, published_at, row_count, watermark, error, trigger)
            VALUES ($dataset, $version, $status, $started, $finished, $published, $rows, $watermark, $error, $trigger)
            ON CONFLICT (dataset, version) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
                published_at = excluded.published_at, row_count = excluded.row_count, watermark = excluded.watermark, error = excluded.error
            WHERE versions.status = 'building' AND excluded.status <> 'building'
            """;
        command.Parameters.AddWithValue("$dataset", version.Dataset);
        command.Parameters.AddWithValue("$version", version.Version);
        command.Parameters.AddWithValue("$status", version.Status.ToString().ToLowerInvariant());
        command.Parameters.AddWithValue("$started", Format(version.StartedAt));
        command.Parameters.AddWithValue("$finished", version.FinishedAt is { } f ? Format(f) : DBNull.Value);
        command.Parameters.AddWithValue("$published", version.PublishedAt is { } p ? Format(p) : DBNull.Value);
        command.Parameters.AddWithValue("$rows", (object?)version.RowCount ?? DBNull.Value);
        command.Parameters.AddWithValue("$watermark", (object?)version.Watermark ?? DBNull.Value);
        command.Parameters.AddWithValue("$error", (object?)version.Error ?? DBNull.Value);
        command.Parameters.AddWithValue("$trigger", (object?)version.Trigger ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

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
                SELECT c.version, c.observed, row_number() OVER (PARTITION BY c.version ORDER BY c.ran_at DESC) AS newest
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

    public Task AddTokenAsync(TokenRecord token, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO tokens (id, principal, salt, hash, created_at, expires_at, description) VALUES ($id, $principal, $salt, $hash, $created, $expires, $description)",
            cancellationToken,
            ("$id", token.Id), ("$principal", token.Principal), ("$salt", token.Salt), ("$hash", token.Hash), ("$created", Format(token.CreatedAt)),
            ("$expires", token.ExpiresAt is { } e ? Format(e) : null), ("$description", token.Description));

    public async Task<TokenRecord?> FindTokenAsync(string id, CancellationToken cancellationToken) =>
        (await QueryTokensAsync("SELECT * FROM tokens WHERE id = $id", cancellationToken, ("$id", id))).FirstOrDefault();

    public Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken) =>
        QueryTokensAsync("SELECT * FROM tokens ORDER BY created_at DESC", cancellationToken);

    public async Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE tokens SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$at", Format(at));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE tokens SET last_used_at = $at WHERE id = $id", cancellationToken, ("$id", id), ("$at", Format(at)));

    private async Task<IReadOnlyList<TokenRecord>> QueryTokensAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var tokens = new List<TokenRecord>();
        while (await reader.ReadAsync(ct))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : DateTimeOffset.Parse(reader.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            tokens.Add(new TokenRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), At(4)!.Value, At(5), At(6), At(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return tokens;
    }

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

    public async Task<int> FailInterruptedAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE versions SET status = 'interrupted', finished_at = $at, error = $error WHERE status = 'building'";
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
