using System.Globalization;
using Ladle.Core.Sql;
using Ladle.Engine.State;

namespace Ladle.Syncs.Planning;

/// <summary>
/// The ledger's acknowledged hashes where the diff joins them: the state file (SQLite) is the ledger, and the store
/// keeps a copy of each sync's acknowledged keys, hashes and fields (<c>ladle_syncs.acked__&lt;sync&gt;</c>) stamped
/// with the ledger's generation. A plan reads the copy when its stamp is the ledger's generation (no key leaves
/// SQLite), and rebuilds it otherwise: the fields it held stay exactly where their hash is still the ledger's (the
/// hash is the MD5 of the fields), so "before" in a plan's samples is always what the destination acknowledged.
/// </summary>
internal sealed partial class SyncWorkspace
{
    /// <summary>The store schema of the ledger copies.</summary>
    public const string CopySchema = "ladle_syncs";

    private const string Generations = CopySchema + ".generations";

    private bool _inSnapshot;

    /// <summary>The ledger's generation the acknowledged hashes were read at, when the ledger keeps one.</summary>
    private long? _generation;

    private static string CopyTable(string sync) => $"{CopySchema}.{SqlDialect.DuckDb.Quote("acked__" + sync.ToLowerInvariant())}";

    /// <summary>True when the ledger was read from the store's copy (no key was read from the state file).</summary>
    public bool ReadFromCopy { get; private set; }

    /// <summary>
    /// Loads the ledger: the acknowledged hashes (from the copy when current, else from <paramref name="acknowledged"/>)
    /// and the rejected rows that stay owed as they are. With <paramref name="keep"/> (the caller holds the sync's
    /// lease, so nobody else writes its ledger) a rebuilt copy is kept for the next plan. Reading the copy opens a
    /// snapshot that <see cref="EndSnapshot"/> closes, so a run merging its acknowledgements meanwhile is not half-seen.
    /// </summary>
    public async Task LoadLedgerAsync(string sync, long? generation, Func<CancellationToken, IAsyncEnumerable<(string Key, string Hash)>> acknowledged,
        IReadOnlyList<SyncRowEntry> rejected, bool keep, CancellationToken cancellationToken)
    {
        using (var appender = _connection.CreateAppender("sync_rejected"))
        {
            foreach (var row in rejected) appender.CreateRow().AppendValue(row.Key).AppendValue(row.Hash).EndRow();
        }
        var copy = CopyTable(sync);
        _generation = generation;
        if (generation is { } current)
        {
            Execute(_connection, "BEGIN TRANSACTION");
            _inSnapshot = true;
            if (CopyGeneration(sync) == current && CopyExists(sync))
            {
                Execute(_connection, $"CREATE OR REPLACE TEMP VIEW sync_acked AS SELECT key, hash, payload FROM {copy}");
                ReadFromCopy = true;
                return;
            }
            EndSnapshot();
        }
        Execute(_connection, "CREATE OR REPLACE TEMP TABLE sync_acked_load (key VARCHAR, hash VARCHAR)");
        using (var appender = _connection.CreateAppender("sync_acked_load"))
        {
            await foreach (var (key, hash) in acknowledged(cancellationToken).WithCancellation(cancellationToken))
                appender.CreateRow().AppendValue(key).AppendValue(hash).EndRow();
        }
        Execute(_connection, CopyExists(sync)
            ? $"""
               CREATE OR REPLACE TEMP TABLE sync_acked AS
               SELECT l.key, l.hash, CASE WHEN c.hash = l.hash THEN c.payload END AS payload
               FROM sync_acked_load l LEFT JOIN {copy} c ON c.key = l.key
               """
            : "CREATE OR REPLACE TEMP TABLE sync_acked AS SELECT key, hash, CAST(NULL AS VARCHAR) AS payload FROM sync_acked_load");
        Execute(_connection, "DROP TABLE sync_acked_load");
        if (keep && generation is { } stamp)
        {
            Execute(_connection, "BEGIN TRANSACTION");
            try
            {
                Execute(_connection, $"""
                    CREATE OR REPLACE TABLE {copy} AS SELECT key, hash, payload FROM sync_acked;
                    INSERT OR REPLACE INTO {Generations} VALUES ({SqlDialect.Literal(sync.ToLowerInvariant())}, {stamp.ToString(CultureInfo.InvariantCulture)});
                    """);
                Execute(_connection, "COMMIT");
            }
            catch
            {
                Execute(_connection, "ROLLBACK");
                throw;
            }
        }
    }

    /// <summary>Closes the snapshot <see cref="LoadLedgerAsync"/> opened over the copy (the plan's tables are the connection's own and stay).</summary>
    public void EndSnapshot()
    {
        if (!_inSnapshot) return;
        _inSnapshot = false;
        Execute(_connection, "COMMIT");
    }

    /// <summary>The plan's positions acknowledged in this run, as ranges, and the keys among them the destination refused.</summary>
    private readonly List<(long From, long To)> _acknowledged = [];
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

    /// <summary>
    /// Notes the plan's rows at positions <paramref name="from"/> to <paramref name="to"/> (a batch) but
    /// <paramref name="refused"/> as acknowledged in this run, for <see cref="KeepAcknowledged"/>: kept in memory and
    /// applied to the copy once, in one statement, rather than a statement per batch.
    /// </summary>
    public void NoteAcknowledged(long from, long to, IReadOnlyCollection<string> refused)
    {
        lock (_acknowledged)
        {
            if (_acknowledged.Count > 0 && _acknowledged[^1].To + 1 == from) _acknowledged[^1] = (_acknowledged[^1].From, to);
            else _acknowledged.Add((from, to));
            _refused.UnionWith(refused);
        }
    }

    /// <summary>
    /// Applies this run's acknowledgements to the copy and stamps it with the ledger's generation after them, in one
    /// transaction; only under the sync's lease, whose holder alone writes its ledger. A process killed before this
    /// leaves a stamp older than the ledger's, and the next plan rebuilds the copy.
    /// </summary>
    public void KeepAcknowledged(string sync, long? generation)
    {
        EndSnapshot();
        var copy = CopyTable(sync);
        var name = SqlDialect.Literal(sync.ToLowerInvariant());
        lock (_acknowledged)
        {
            using (var appender = _connection.CreateAppender("sync_refused_now"))
                foreach (var key in _refused) appender.CreateRow().AppendValue(key).EndRow();
            var ranges = string.Join(" OR ", _acknowledged.Select(r =>
                $"rn BETWEEN {r.From.ToString(CultureInfo.InvariantCulture)} AND {r.To.ToString(CultureInfo.InvariantCulture)}"));
            // This run's acknowledged rows, read from the plan where they are (not copied again).
            Execute(_connection, $"""
                CREATE OR REPLACE TEMP VIEW sync_acked_run AS
                SELECT key, op, hash, payload FROM sync_plan
                WHERE ({(ranges.Length > 0 ? ranges : "false")}) AND key NOT IN (SELECT key FROM sync_refused_now)
                """);
            _acknowledged.Clear();
            _refused.Clear();
        }
        Execute(_connection, "BEGIN TRANSACTION");
        try
        {
            if (generation is not { } stamp || !CopyExists(sync))
                Execute(_connection, $"DELETE FROM {Generations} WHERE sync = {name}");
            else
                Execute(_connection, $"""
                    DELETE FROM {copy} WHERE key IN (SELECT key FROM sync_acked_run);
                    INSERT INTO {copy} SELECT key, hash, payload FROM sync_acked_run WHERE op <> 'delete';
                    INSERT OR REPLACE INTO {Generations} VALUES ({name}, {stamp.ToString(CultureInfo.InvariantCulture)});
                    """);
            Execute(_connection, "COMMIT");
        }
        catch
        {
            Execute(_connection, "ROLLBACK");
            throw;
        }
    }

    private long? CopyGeneration(string sync)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT generation FROM {Generations} WHERE sync = {SqlDialect.Literal(sync.ToLowerInvariant())}";
        return command.ExecuteScalar() is long generation ? generation : null;
    }

    private bool CopyExists(string sync)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM duckdb_tables() WHERE schema_name = '{CopySchema}' AND table_name = {SqlDialect.Literal("acked__" + sync.ToLowerInvariant())}";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }
}
