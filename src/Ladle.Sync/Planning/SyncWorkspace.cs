using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Core.Model.Syncs;
using Ladle.Core.Sql;
using Ladle.Engine.State;
using Ladle.Engine.Store;

namespace Ladle.Syncs.Planning;

/// <summary>
/// One run's diff, in the store: a DuckDB connection whose temporary tables hold the ledger's acknowledged hashes
/// (read from the store's copy of them when it is current, see SyncWorkspace.Ledger.cs), the source as the principal
/// reads it (mapped, converted, hashed) and the plan. Set operations in DuckDB, not a
/// loop over rows in .NET: the source is never pulled out of the store to be compared.
/// </summary>
internal sealed partial class SyncWorkspace : IDisposable
{
    private readonly DuckDBConnection _connection;

    private SyncWorkspace(DuckDBConnection connection) => _connection = connection;

    /// <summary>Where the diff's steps are timed.</summary>
    public SyncRunProfile? Profile { get; set; }

    public static SyncWorkspace Open(DuckDbStore store)
    {
        var connection = store.Open();
        try
        {
            Execute(connection, $"""
                CREATE OR REPLACE TEMP TABLE sync_rejected (key VARCHAR, hash VARCHAR);
                CREATE OR REPLACE TEMP TABLE sync_refused_now (key VARCHAR);
                CREATE SCHEMA IF NOT EXISTS {CopySchema};
                CREATE TABLE IF NOT EXISTS {Generations} (sync VARCHAR PRIMARY KEY, generation BIGINT NOT NULL);
                """);
            return new SyncWorkspace(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Diffs the source statement (the pipeline's, over the leased version) against the ledger into the plan;
    /// returns the source's row count. Keys are compared as text; the hash is of the mapped fields as JSON.
    /// </summary>
    public long Diff(SyncDefinition sync, SqlStatement source, CancellationToken cancellationToken)
    {
        var d = SqlDialect.DuckDb;
        var fields = new StringBuilder();
        var errors = new StringBuilder();
        foreach (var field in sync.Fields)
        {
            var column = "s." + d.Quote(field.Source);
            var value = field.Type is { } type ? $"TRY_CAST({column} AS {d.TypeName(type)})" : column;
            if (fields.Length > 0) fields.Append(", ");
            fields.Append(SqlDialect.Literal(field.Destination)).Append(": ").Append(value);
            if (field.Type is not null)
                errors.Append(", CASE WHEN ").Append(column).Append(" IS NOT NULL AND ").Append(value).Append(" IS NULL THEN ")
                    .Append(SqlDialect.Literal(field.Destination)).Append(" END");
        }
        var typeErrors = errors.Length > 0 ? $"concat_ws(', '{errors})" : "''";
        var (createOp, updateOp) = sync.Mode switch
        {
            SyncMode.Insert => ("'create'", "'unchanged'"),
            SyncMode.Update => ("'update'", "'update'"),
            _ => ("'create'", "'update'"),
        };
        var deletes = sync.Mode == SyncMode.Mirror
            ? """
              INSERT INTO sync_classified
              SELECT a.key, NULL, a.hash, NULL, a.hash, a.payload,
                     CASE WHEN EXISTS (SELECT 1 FROM sync_rejected r WHERE r.key = a.key AND r.hash = a.hash) THEN 'owed' ELSE 'delete' END
              FROM sync_acked a ANTI JOIN sync_classified s ON s.key = a.key;
              """
            : "";
        var structLiteral = "{" + fields + "}";
        // One pass over the source: mapped, hashed and classified against the ledger's (key, hash) pairs. Only rows
        // that are not unchanged keep their fields and hash (a million unchanged rows are not copied again; a mirror
        // keeps their keys, to find what left the source), and the fields the destination acknowledged are fetched
        // for the samples alone (the plan's "before").
        var classify = $"""
            CREATE OR REPLACE TEMP TABLE sync_classified AS
            WITH src AS (
                SELECT CAST(s.{d.Quote(sync.Key.Source)} AS VARCHAR) AS key, to_json({structLiteral})::VARCHAR AS payload, {typeErrors} AS type_errors
                FROM ({source.Text}) AS s),
            v AS (
                SELECT src.key, src.payload, md5(src.payload) AS hash,
                       CASE WHEN src.key IS NULL THEN 'null key'
                            WHEN src.key IN (SELECT key FROM sync_dup) THEN 'duplicate key'
                            WHEN src.type_errors <> '' THEN 'a value does not convert to the type of ' || src.type_errors END AS refusal
                FROM src),
            c AS (
                SELECT v.key, v.payload, v.hash, v.refusal, a.hash AS acked_hash,
                       CASE WHEN v.refusal IS NOT NULL THEN 'refused'
                            WHEN r.key IS NOT NULL AND r.hash = v.hash THEN 'owed'
                            WHEN a.key IS NULL THEN {createOp}
                            WHEN a.hash = v.hash THEN 'unchanged'
                            ELSE {updateOp} END AS op
                FROM v LEFT JOIN (SELECT key, hash FROM sync_acked) a ON a.key = v.key LEFT JOIN sync_rejected r ON r.key = v.key)
            SELECT {(sync.Mode == SyncMode.Mirror ? "key" : "CASE WHEN op <> 'unchanged' THEN key END AS key")},
                   CASE WHEN op <> 'unchanged' THEN payload END AS payload, CASE WHEN op <> 'unchanged' THEN hash END AS hash, refusal,
                   CASE WHEN op <> 'unchanged' THEN acked_hash END AS acked_hash, CAST(NULL AS VARCHAR) AS acked_payload, op
            FROM c;
            """;
        // Duplicate keys first, from the key column alone, so the classifying pass reads the source once (a CTE
        // it read twice could be materialized whole, fields and all).
        var duplicates = $"""
            CREATE OR REPLACE TEMP TABLE sync_dup AS
            SELECT key FROM (SELECT CAST(s.{d.Quote(sync.Key.Source)} AS VARCHAR) AS key FROM ({source.Text}) AS s)
            WHERE key IS NOT NULL GROUP BY key HAVING count(*) > 1
            """;
        using (Profile?.Measure("plan: diff: duplicate keys") ?? default)
            ExecuteSource(duplicates, source, cancellationToken);
        using (Profile?.Measure("plan: diff: read, map, hash, classify") ?? default)
            ExecuteSource(classify, source, cancellationToken);
        var sourceRows = Scalar("SELECT count(*) FROM sync_classified");
        _syncName = sync.Name;
        // Stored in position order, so reading a chunk of positions (ReadPlanned) skips every other row group by its
        // min/max rather than scanning the whole plan once per chunk.
        var rest = $"""
            {deletes}
            CREATE OR REPLACE TEMP TABLE sync_plan AS
            SELECT row_number() OVER (ORDER BY op, key) AS rn, key, op, hash, payload
            FROM sync_classified WHERE op IN ('create', 'update', 'delete')
            ORDER BY rn;
            """;
        using (Profile?.Measure("plan: diff: deletes, order") ?? default)
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = rest;
            using (cancellationToken.Register(command.Cancel))
                command.ExecuteNonQuery();
        }
        return sourceRows;
    }

    /// <summary>Runs <paramref name="sql"/>, which reads the source statement, with the source's parameters.</summary>
    private void ExecuteSource(string sql, SqlStatement source, CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < source.Parameters.Count; i++)
            command.Parameters.Add(new DuckDBParameter(SqlDialect.DuckDb.ParameterName(i), source.Parameters[i]));
        using (cancellationToken.Register(command.Cancel))
            command.ExecuteNonQuery();
    }

    /// <summary>How many rows of each kind the plan has.</summary>
    public SyncPlanCounts Counts(long sourceRows)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT op, count(*) FROM sync_classified GROUP BY op";
        using var reader = command.ExecuteReader();
        while (reader.Read()) counts[reader.GetString(0)] = reader.GetInt64(1);
        long Of(string op) => counts.GetValueOrDefault(op);
        return new SyncPlanCounts(sourceRows, Of("create"), Of("update"), Of("delete"), Of("unchanged"), Of("refused"), Of("owed"));
    }

    /// <summary>Up to <paramref name="perKind"/> rows of each kind but unchanged, in key order.</summary>
    public IReadOnlyList<SyncPlanSample> Samples(int perKind)
    {
        using var command = _connection.CreateCommand();
        // The first rows of each kind by key, each kind a top-N of its own (a heap, not a sort of a million creates).
        var n = perKind.ToString(CultureInfo.InvariantCulture);
        var kinds = string.Join(" UNION ALL ", new[] { "create", "update", "delete", "refused", "owed" }.Select(op =>
            $"(SELECT * FROM sync_classified WHERE op = '{op}' ORDER BY key NULLS FIRST LIMIT {n})"));
        command.CommandText = $"""
            SELECT s.op, s.key, s.payload, s.acked_hash, s.refusal, coalesce(s.acked_payload, a.payload) FROM ({kinds}) s
            LEFT JOIN sync_acked a ON s.op = 'update' AND a.key = s.key AND a.hash = s.acked_hash
            ORDER BY s.op, s.key NULLS FIRST
            """;
        using var reader = command.ExecuteReader();
        var samples = new List<SyncPlanSample>();
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        while (reader.Read())
        {
            var op = reader.GetString(0);
            var replaces = op is "update" or "delete";
            samples.Add(new SyncPlanSample(op, Text(1), op == "delete" ? null : Text(2), replaces ? Text(3) : null, Text(4), replaces ? Text(5) : null));
        }
        return samples;
    }

    /// <summary>The sync whose plan this is (its name is part of each row's idempotency key).</summary>
    private string _syncName = "";

    /// <summary>
    /// The plan's rows from position <paramref name="from"/> (1-based), at most <paramref name="count"/>, each with its
    /// idempotency key (<c>SyncService.RowKey</c>: sha256 of sync, key, operation and hash, its first 16 bytes in hex),
    /// computed here, a chunk at a time while the destination takes the one before, rather than for the whole plan
    /// before the first batch may leave.
    /// </summary>
    public List<PlannedRow> ReadPlanned(long from, int count)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"""
            SELECT key, op, hash, payload,
                   substr(sha256({SqlDialect.Literal(_syncName)} || chr(10) || key || chr(10) ||
                          CASE op WHEN 'create' THEN 'Create' WHEN 'update' THEN 'Update' ELSE 'Delete' END || chr(10) || hash), 1, 32) AS idem
            FROM sync_plan WHERE rn >= {from.ToString(CultureInfo.InvariantCulture)} AND rn < {(from + count).ToString(CultureInfo.InvariantCulture)} ORDER BY rn
            """;
        using var reader = command.ExecuteReader();
        var rows = new List<PlannedRow>(count);
        var position = from;
        while (reader.Read())
        {
            var op = reader.GetString(1) switch { "create" => SyncOperation.Create, "update" => SyncOperation.Update, _ => SyncOperation.Delete };
            rows.Add(new PlannedRow(position++, reader.GetString(0), op, reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
        }
        return rows;
    }

    /// <summary>
    /// Fingerprints of what the plan was made from and what it sends: the ledger (acknowledged and owed hashes) and
    /// the rows to send (key, operation and hash of each). Order-free digests computed where the rows are.
    /// </summary>
    public (string Ledger, string Rows) Fingerprints()
    {
        // The acknowledged hashes are named by the ledger's generation when it keeps one (it changes with every
        // acknowledgement, in the same transaction), rather than hashed again key by key.
        var acked = _generation is { } generation
            ? $"'g{generation.ToString(CultureInfo.InvariantCulture)}'"
            : "(SELECT count(*) || ':' || coalesce(bit_xor(hash(key || chr(0) || hash)), 0) FROM sync_acked)";
        var ledger = ScalarText($"""
            SELECT {acked} || '/' ||
                   (SELECT count(*) || ':' || coalesce(bit_xor(hash(key || chr(0) || hash)), 0) FROM sync_rejected)
            """);
        var rows = ScalarText("SELECT count(*) || ':' || coalesce(bit_xor(hash(key || chr(0) || op || chr(0) || hash)), 0) FROM sync_plan");
        return (ledger, rows);
    }

    private string ScalarText(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }

    private long Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>One row of a plan to send: its position, key, operation, hash of its fields, the fields as a JSON object (null for a delete) and its idempotency key.</summary>
internal sealed record PlannedRow(long Position, string Key, SyncOperation Operation, string Hash, string? Payload, string IdempotencyKey);
