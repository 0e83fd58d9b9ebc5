using System.Globalization;
using DuckDB.NET.Data;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Store;

/// <summary>
/// The embedded DuckDB store: one database file per project. Published versions live as immutable tables in
/// the <c>ladle_versions</c> schema; <c>main.&lt;dataset&gt;</c> views point at the served version for SQL over datasets.
/// </summary>
public sealed class DuckDbStore : IDisposable
{
    /// <summary>The schema that holds one table per retained version.</summary>
    public const string VersionSchema = "ladle_versions";

    /// <summary>Where the rows a load left out (on_bad_rows) are kept, one table per version, dropped with it.</summary>
    public const string RejectsSchema = "ladle_rejects";

    private readonly DuckDBConnection _root;
    private readonly string _connectionString;

    /// <summary>Named pipes of exports under way: <c>ladle-export-*.pipe</c>, beside the store so a killed process's leftovers are found.</summary>
    private const string PipePattern = "ladle-export-*.pipe";

    public DuckDbStore(string path, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        if (path != ":memory:") Internal.PrivateFiles.CreateFolderOf(path);
        DatabasePath = path;
        _connectionString = $"Data Source={path}";
        _root = new DuckDBConnection(_connectionString);
        try
        {
            _root.Open();
        }
        catch (DuckDBException e) when (e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            _root.Dispose();
            throw new StoreBusyException(path, e);
        }
        if (path != ":memory:") Internal.PrivateFiles.Restrict(path);
        Execute(_root, $"CREATE SCHEMA IF NOT EXISTS {VersionSchema}");
        Manifest = new StoreManifest(this, _root);
        Masks = new MaskedVersions(this);
        // Timestamps are served as UTC whatever the machine's zone.
        Execute(_root, "SET GLOBAL TimeZone = 'UTC'");
        PipeDirectory = path == ":memory:" ? Path.GetTempPath() : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tmp");
        RemoveStalePipes(logger);
    }

    /// <summary>Where exports put their named pipes: the project's <c>.ladle/tmp</c> (the system's temp folder for in-memory stores).</summary>
    public string PipeDirectory { get; }

    /// <summary>A fresh path for an export's named pipe, in <see cref="PipeDirectory"/> (created when missing).</summary>
    public string NewPipePath()
    {
        Directory.CreateDirectory(PipeDirectory);
        return Path.Combine(PipeDirectory, $"ladle-export-{Guid.NewGuid():N}.pipe");
    }

    /// <summary>
    /// Pipes a killed process left behind. Only the process holding the store creates pipes in its folder, and the
    /// store's lock is ours now, so none of them is in use.
    /// </summary>
    private void RemoveStalePipes(Microsoft.Extensions.Logging.ILogger? logger)
    {
        if (DatabasePath == ":memory:" || !Directory.Exists(PipeDirectory)) return;
        var removed = 0;
        foreach (var pipe in Directory.EnumerateFiles(PipeDirectory, PipePattern))
        {
            try
            {
                File.Delete(pipe);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* left for the next start */ }
        }
        if (removed > 0 && logger is not null) Internal.Log.RemovedStalePipes(logger, removed, PipeDirectory);
    }

    /// <summary>The store's own record of its versions, so it can explain its tables without the state file.</summary>
    public StoreManifest Manifest { get; }

    /// <summary>True when the store holds any version table or any record of one: it is not a new, empty store.</summary>
    public bool HoldsVersions => ListVersionTables().Count > 0 || Manifest.List().Count > 0;

    /// <summary>The masked forms of published versions' PII columns, computed once per version.</summary>
    public MaskedVersions Masks { get; }

    /// <summary>The database file.</summary>
    public string DatabasePath { get; }

    /// <summary>A new connection to the same database, for one query or one load; the caller disposes it.</summary>
    /// <remarks>DuckDB.NET shares one database instance per file among a process's connections; the root connection keeps it open.</remarks>
    public DuckDBConnection Open()
    {
        if (DatabasePath == ":memory:") return _root.Duplicate();
        var connection = new DuckDBConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>The quoted name of a version's table.</summary>
    public static string VersionTable(string dataset, long version) =>
        $"{VersionSchema}.{SqlDialect.DuckDb.Quote(VersionTableName(dataset, version))}";

    /// <summary>The side table of a version's rejected rows.</summary>
    public static string RejectsTable(string dataset, long version) =>
        $"{RejectsSchema}.{SqlDialect.DuckDb.Quote(VersionTableName(dataset, version))}";

    public static string VersionTableName(string dataset, long version) =>
        $"{dataset.ToLowerInvariant()}__v{version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The dataset (lower case, as table names are) and version of a version table's name, or null for another name.</summary>
    public static (string Dataset, long Version)? ParseVersionTableName(string table)
    {
        var at = table.LastIndexOf("__v", StringComparison.Ordinal);
        return at > 0 && long.TryParse(table.AsSpan(at + 3), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? (table[..at], version)
            : null;
    }

    /// <summary>Points <c>main.&lt;dataset&gt;</c> at a version, replacing any earlier view.</summary>
    public void PointView(string dataset, long version)
    {
        using var connection = Open();
        Execute(connection, $"CREATE OR REPLACE VIEW main.{SqlDialect.DuckDb.Quote(dataset)} AS SELECT * FROM {VersionTable(dataset, version)}");
    }

    /// <summary>Creates a view over a relation the store can read directly (files, derived SQL).</summary>
    public void DefineView(string dataset, string selectSql)
    {
        using var connection = Open();
        Execute(connection, $"CREATE OR REPLACE VIEW main.{SqlDialect.DuckDb.Quote(dataset)} AS {selectSql}");
    }

    public void DropVersion(string dataset, long version)
    {
        using var connection = Open();
        DropVersionRelation(connection, VersionTableName(dataset, version));
        // The rows on_bad_rows left out of the version go with it.
        Execute(connection, $"DROP TABLE IF EXISTS {RejectsTable(dataset, version)}");
        // And so do its precomputed masks.
        Masks.Drop(connection, dataset, version);
    }

    /// <summary>Drops a version's relation by name: a table, or the view a cut of an append-only table is (<see cref="AppendCut"/>).</summary>
    public static void DropVersionRelation(DuckDBConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT table_type FROM information_schema.tables WHERE table_schema = '{VersionSchema}' AND table_name = $1";
        command.Parameters.Add(new DuckDBParameter(name));
        if (command.ExecuteScalar() is not string kind) return;
        Execute(connection, $"DROP {(kind == "VIEW" ? "VIEW" : "TABLE")} IF EXISTS {VersionSchema}.{SqlDialect.DuckDb.Quote(name)}");
    }

    /// <summary>Every version table present in the store, as (table name).</summary>
    public IReadOnlyList<string> ListVersionTables()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT table_name FROM information_schema.tables WHERE table_schema = '{VersionSchema}'";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    public static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _root.Dispose();
}

/// <summary>Another process (usually `ladle serve`) has the store open; DuckDB allows one writer process.</summary>
public sealed class StoreBusyException(string path, Exception inner)
    : Core.Errors.LadleException($"the store {path} is in use by another Ladle process (is 'ladle serve' running?); stop it, or use the HTTP API of the running server ({inner.Message})", inner)
{
    public override string Kind => "store-busy";
    public override Core.Errors.ErrorCategory Category => Core.Errors.ErrorCategory.Conflict;
}
