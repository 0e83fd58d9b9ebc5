using Npgsql;

namespace Ladle.Engine.State;

/// <summary>
/// The schema, as numbered migrations applied once each, in order, and recorded in <c>schema_migrations</c>. Several
/// nodes may start at once on a new database: each runs its migrations in one transaction that first takes a
/// transaction-level advisory lock named after the schema, so one creates the tables and the others, once it commits,
/// find them recorded and apply nothing. A node older than the schema (a migration it does not know) refuses to start.
/// </summary>
public sealed partial class PostgresStateStore
{
    /// <summary>
    /// Every migration, numbered from 1. Never edit one that was released: append the next. Text columns are
    /// <c>COLLATE "C"</c> so that they sort by code point, as SQLite's do.
    /// </summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE versions (
            dataset      text COLLATE "C" NOT NULL,
            version      bigint NOT NULL,
            status       text NOT NULL,
            started_at   timestamptz NOT NULL,
            finished_at  timestamptz,
            published_at timestamptz,
            row_count    bigint,
            watermark    text,
            error        text,
            trigger      text,
            PRIMARY KEY (dataset, version)
        );
        CREATE INDEX versions_status ON versions (status);
        CREATE TABLE check_results (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            dataset      text COLLATE "C" NOT NULL,
            version      bigint,
            check_name   text COLLATE "C" NOT NULL,
            kind         text NOT NULL,
            severity     text NOT NULL,
            outcome      text NOT NULL,
            failing_rows bigint NOT NULL,
            total_rows   bigint NOT NULL,
            observed     double precision,
            message      text NOT NULL,
            sample       text,
            ran_at       timestamptz NOT NULL,
            duration_ms  bigint NOT NULL
        );
        CREATE INDEX check_results_dataset ON check_results (dataset, check_name, ran_at);
        CREATE TABLE incidents (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            dataset     text COLLATE "C" NOT NULL,
            kind        text COLLATE "C" NOT NULL,
            reason      text NOT NULL,
            opened_at   timestamptz NOT NULL,
            resolved_at timestamptz,
            opened_alerted   boolean NOT NULL DEFAULT true,
            resolved_alerted boolean NOT NULL DEFAULT true
        );
        CREATE UNIQUE INDEX incidents_open ON incidents (dataset, kind) WHERE resolved_at IS NULL;
        CREATE TABLE tokens (
            id           text COLLATE "C" PRIMARY KEY,
            principal    text NOT NULL,
            salt         text NOT NULL,
            hash         text NOT NULL,
            created_at   timestamptz NOT NULL,
            expires_at   timestamptz,
            revoked_at   timestamptz,
            last_used_at timestamptz,
            description  text,
            scram_verifier text
        );
        CREATE TABLE audit (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at          timestamptz NOT NULL,
            principal   text COLLATE "C" NOT NULL,
            interface   text NOT NULL,
            target      text COLLATE "C" NOT NULL,
            action      text NOT NULL,
            filters     text NOT NULL,
            rows        bigint NOT NULL,
            bytes       bigint NOT NULL,
            status      text NOT NULL,
            duration_ms bigint NOT NULL,
            format      text,
            version     text,
            subject     text
        );
        CREATE INDEX audit_at ON audit (at);
        CREATE INDEX audit_principal ON audit (principal, at);
        CREATE TABLE run_leases (
            dataset     text COLLATE "C" PRIMARY KEY,
            owner       text COLLATE "C" NOT NULL,
            acquired_at timestamptz NOT NULL,
            expires_at  timestamptz NOT NULL
        );
        CREATE TABLE sync_runs (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            sync        text COLLATE "C" NOT NULL,
            trigger     text NOT NULL,
            started_at  timestamptz NOT NULL,
            finished_at timestamptz,
            status      text NOT NULL,
            source_version bigint,
            creates     bigint NOT NULL DEFAULT 0,
            updates     bigint NOT NULL DEFAULT 0,
            deletes     bigint NOT NULL DEFAULT 0,
            unchanged   bigint NOT NULL DEFAULT 0,
            refused     bigint NOT NULL DEFAULT 0,
            owed        bigint NOT NULL DEFAULT 0,
            sent        bigint NOT NULL DEFAULT 0,
            acknowledged bigint NOT NULL DEFAULT 0,
            rejected    bigint NOT NULL DEFAULT 0,
            error       text
        );
        CREATE INDEX sync_runs_sync ON sync_runs (sync, id);
        CREATE TABLE sync_acknowledged (
            sync        text COLLATE "C" NOT NULL,
            key         text COLLATE "C" NOT NULL,
            hash        text NOT NULL,
            acknowledged_at timestamptz NOT NULL,
            PRIMARY KEY (sync, key)
        );
        CREATE TABLE sync_acknowledged_generation (
            sync        text COLLATE "C" PRIMARY KEY,
            generation  bigint NOT NULL
        );
        CREATE TABLE sync_rows (
            sync        text COLLATE "C" NOT NULL,
            key         text COLLATE "C" NOT NULL,
            operation   text NOT NULL,
            hash        text NOT NULL,
            status      text NOT NULL,
            run_id      bigint NOT NULL,
            idempotency_key text NOT NULL,
            batch_id    text,
            reason      text,
            updated_at  timestamptz,
            PRIMARY KEY (sync, key)
        );
        """,
        // 2: the web UI's sign-in sessions (IWebSessionStore).
        """
        CREATE TABLE web_sessions (
            hash         text COLLATE "C" PRIMARY KEY,
            token_id     text COLLATE "C" NOT NULL,
            principal    text NOT NULL,
            created_at   timestamptz NOT NULL,
            last_seen_at timestamptz NOT NULL,
            expires_at   timestamptz NOT NULL
        );
        CREATE INDEX web_sessions_token ON web_sessions (token_id);
        """,
        // 3: rate limits counted across nodes, one row per key and fixed window (ISharedRateCounter).
        """
        CREATE TABLE rate_windows (
            key          text COLLATE "C" NOT NULL,
            window_start timestamptz NOT NULL,
            used         bigint NOT NULL,
            PRIMARY KEY (key, window_start)
        );
        CREATE INDEX rate_windows_start ON rate_windows (window_start);
        """,
        // 4: runs claimed once across nodes: a schedule's due time, the retry of an abandoned build (IRunClaims).
        """
        CREATE TABLE run_claims (
            dataset      text COLLATE "C" NOT NULL,
            occasion     text COLLATE "C" NOT NULL,
            node         text NOT NULL,
            claimed_at   timestamptz NOT NULL,
            PRIMARY KEY (dataset, occasion)
        );
        CREATE INDEX run_claims_at ON run_claims (claimed_at);
        """,
    ];

    /// <summary>The number of the newest migration this build knows.</summary>
    public static int SchemaVersion => Migrations.Length;

    /// <summary>Creates the schema and applies the migrations it lacks, one node at a time.</summary>
    /// <exception cref="StateUnavailableException">The server cannot be reached, or the schema is newer than this build.</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Before anything else, even CREATE SCHEMA IF NOT EXISTS (which two sessions racing can both fail on): the lock
        // is the database's, keyed by the schema's name, and is let go when this transaction ends, whatever happens.
        await using (var lockCommand = Command(connection, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "ladle-state-migrations:" + Schema))
        {
            lockCommand.Transaction = transaction;
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var create = new NpgsqlCommand($"""
            CREATE SCHEMA IF NOT EXISTS "{Schema}";
            CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        int applied;
        await using (var current = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_migrations", connection, transaction))
            applied = (int)(await current.ExecuteScalarAsync(cancellationToken))!;
        if (applied > Migrations.Length)
            throw new StateUnavailableException(
                $"the state store at {Location} has schema version {applied}, newer than this Ladle knows ({Migrations.Length}): " +
                "a newer Ladle migrated it; upgrade this node to the same release");
        for (var number = applied + 1; number <= Migrations.Length; number++)
        {
            await using var migrate = new NpgsqlCommand(Migrations[number - 1], connection, transaction);
            await migrate.ExecuteNonQueryAsync(cancellationToken);
            await using var record = Command(connection, "INSERT INTO schema_migrations (version) VALUES ($1)", number);
            record.Parameters[0].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer;
            record.Parameters[0].Value = number;
            record.Transaction = transaction;
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
