using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Store;

/// <summary>
/// The masked forms of a published version's PII columns, computed once when the version is written so a masked
/// read costs what a clear one does (the keyed SHA-256 and the partial email no longer run inside every read).
/// </summary>
/// <remarks>
/// Each masked version has a twin table in <see cref="Schema"/>: every column of the version, plus one column per
/// hashed or partially masked column holding its masked form. The twin is a whole copy rather than extra columns in
/// the version table or a table of masked columns alone: the version table stays exactly the contract (the
/// <c>main.&lt;dataset&gt;</c> view, schema descriptions, check samples and SQL over datasets read it with
/// <c>SELECT *</c>), and a masked read needs no join, whose row alignment a reader could not check. The price is the
/// storage of a second copy of datasets with PII columns. The twin's name carries an id of the hash key it was built
/// with, so after the key changes (LADLE_MASK_KEY, a new mask.key) it is simply not found and reads compute the masks
/// inline with the current key, never serving hashes of the old one. It goes with its version:
/// <see cref="DuckDbStore.DropVersion"/> drops it, and start-up recovery drops twins whose version is gone.
/// </remarks>
public sealed class MaskedVersions
{
    /// <summary>The schema that holds the twins.</summary>
    public const string Schema = "ladle_masks";

    /// <summary>The prefix of a twin's masked columns; the rest is the column's name.</summary>
    public const string ColumnPrefix = "__ladle_masked__";

    private readonly DuckDbStore _store;
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>?> _found = new(StringComparer.OrdinalIgnoreCase);
    private KeyAndId? _lastKey;

    internal MaskedVersions(DuckDbStore store) => _store = store;

    /// <summary>A short, non-reversible id of a hash key: which key a twin's hashes were made with.</summary>
    public static string KeyId(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("ladle-mask-key-id\n" + key));
        return Convert.ToHexString(hash.AsSpan(0, 8)).ToLowerInvariant();
    }

    /// <summary>The twin's table name for a version built with the key of id <paramref name="keyId"/>.</summary>
    public static string TableName(string dataset, long version, string keyId) => $"{DuckDbStore.VersionTableName(dataset, version)}__k{keyId}";

    /// <summary>The quoted twin table of a version and key.</summary>
    public static string Table(string dataset, long version, string keyId) => $"{Schema}.{SqlDialect.DuckDb.Quote(TableName(dataset, version, keyId))}";

    /// <summary>The version table a twin belongs to, or null for another name.</summary>
    public static string? VersionTableOf(string twin)
    {
        var at = twin.LastIndexOf("__k", StringComparison.Ordinal);
        return at > 0 ? twin[..at] : null;
    }

    /// <summary>
    /// Writes the twin of a just-built version when the dataset has hashed or partially masked columns; does nothing
    /// otherwise (a redacted column is a constant). <paramref name="maskKey"/> is the project's hash key.
    /// </summary>
    public async Task BuildAsync(DatasetDefinition dataset, long version, Func<string> maskKey, CancellationToken cancellationToken)
    {
        var masked = dataset.Columns.Where(c => c.Pii && c.Mask is MaskKind.Hash or MaskKind.Partial).ToList();
        if (masked.Count == 0) return;
        var key = maskKey();
        var keyId = KeyId(key);
        var twin = Table(dataset.Name, version, keyId);
        var source = DuckDbStore.VersionTable(dataset.Name, version);
        // The very expressions reads use, so the twin holds byte for byte what a read would have computed.
        var expressions = masked.Select(c => SqlDialect.DuckDb.Mask(c.Mask, SqlDialect.DuckDb.Quote(c.Name), c.Type, SqlDialect.DuckDb.Placeholder(0))
            + " AS " + SqlDialect.DuckDb.Quote(ColumnPrefix + c.Name)).ToList();
        var empty = masked.Select(c => "CAST(NULL AS VARCHAR) AS " + SqlDialect.DuckDb.Quote(ColumnPrefix + c.Name));
        using var connection = _store.Open();
        DuckDbStore.Execute(connection, $"CREATE SCHEMA IF NOT EXISTS {Schema}");
        DuckDbStore.Execute(connection, $"DROP TABLE IF EXISTS {twin}");
        // The key is bound, never spliced into the text (errors and logs may quote the statement).
        DuckDbStore.Execute(connection, $"CREATE TABLE {twin} AS SELECT *, {string.Join(", ", empty)} FROM {source} LIMIT 0");
        using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO {twin} SELECT *, {string.Join(", ", expressions)} FROM {source}";
        command.Parameters.Add(new DuckDBParameter(SqlDialect.DuckDb.ParameterName(0), key));
        using var registration = cancellationToken.Register(() => { try { command.Cancel(); } catch (DuckDBException) { } });
        await Task.Run(() => command.ExecuteNonQuery(), cancellationToken);
        _found[TableName(dataset.Name, version, keyId)] = masked.ToDictionary(c => c.Name, c => ColumnPrefix + c.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Where a read of a published version with masks should select from: the twin and, per masked column, the
    /// column holding its masked form; or the version table itself (masks computed inline) when there is no twin for
    /// the current key, or the query masks nothing.
    /// </summary>
    public (string Relation, IReadOnlyDictionary<string, string>? Precomputed) For(string dataset, long version, string relation, RowsQuery query)
    {
        if (query.Masks.Count == 0 || query.MaskKey is not { } key) return (relation, null);
        // One key serves a process: its id is computed once, not per read.
        if (_lastKey is not { } known || !ReferenceEquals(known.Key, key)) _lastKey = known = new KeyAndId(key, KeyId(key));
        var keyId = known.Id;
        var name = TableName(dataset, version, keyId);
        var columns = _found.GetOrAdd(name, Lookup);
        return columns is null ? (relation, null) : ($"{Schema}.{SqlDialect.DuckDb.Quote(name)}", columns);
    }

    private sealed record KeyAndId(string Key, string Id);

    private IReadOnlyDictionary<string, string>? Lookup(string twin)
    {
        using var connection = _store.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT column_name FROM duckdb_columns() WHERE schema_name = $p1 AND table_name = $p2";
        command.Parameters.Add(new DuckDBParameter("p1", Schema));
        command.Parameters.Add(new DuckDBParameter("p2", twin));
        using var reader = command.ExecuteReader();
        var columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var any = false;
        while (reader.Read())
        {
            any = true;
            var name = reader.GetString(0);
            if (name.StartsWith(ColumnPrefix, StringComparison.Ordinal)) columns[name[ColumnPrefix.Length..]] = name;
        }
        return any ? columns : null;
    }

    /// <summary>Drops every twin of a version (whatever key it was built with).</summary>
    internal void Drop(DuckDBConnection connection, string dataset, long version)
    {
        var versionTable = DuckDbStore.VersionTableName(dataset, version);
        foreach (var twin in List(connection).Where(t => string.Equals(VersionTableOf(t), versionTable, StringComparison.OrdinalIgnoreCase)))
        {
            DuckDbStore.Execute(connection, $"DROP TABLE IF EXISTS {Schema}.{SqlDialect.DuckDb.Quote(twin)}");
            _found.TryRemove(twin, out _);
        }
    }

    /// <summary>Drops the twins of versions whose table is not among <paramref name="keptVersionTables"/> (start-up recovery).</summary>
    public void DropOrphans(IReadOnlySet<string> keptVersionTables)
    {
        using var connection = _store.Open();
        foreach (var twin in List(connection).Where(t => VersionTableOf(t) is not { } v || !keptVersionTables.Contains(v)))
        {
            DuckDbStore.Execute(connection, $"DROP TABLE IF EXISTS {Schema}.{SqlDialect.DuckDb.Quote(twin)}");
            _found.TryRemove(twin, out _);
        }
    }

    /// <summary>Every twin table in the store.</summary>
    public IReadOnlyList<string> List()
    {
        using var connection = _store.Open();
        return List(connection);
    }

    private static List<string> List(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT table_name FROM information_schema.tables WHERE table_schema = '{Schema}'";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }
}
