using Ladle.Core.Errors;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// Which functions a principal's SQL may call. DuckDB's settings that would forbid file and network access
/// (<c>enable_external_access</c>, <c>lock_configuration</c>) are database-wide and would break the store's own
/// loads and exports, so the check of every call in the parsed statement is the sandbox: table functions from a
/// short allowlist only (everything else there reads files, other databases or the engine's own catalog), and
/// scalar functions that read the environment, the settings, files or sequences refused by name.
/// </summary>
internal static class SqlFunctionRules
{
    /// <summary>The table functions a statement may read from: they compute rows, they read nothing.</summary>
    public static readonly IReadOnlySet<string> TableFunctions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "range", "generate_series", "unnest",
    };

    /// <summary>Scalar functions that reach outside the statement: the process environment, settings, files, sequences, extensions.</summary>
    private static readonly HashSet<string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        "getenv", "current_setting", "nextval", "currval", "setseed", "glob", "sniff_csv", "query", "query_table",
        "json_execute_serialized_sql", "which_secret", "load_extension", "install_extension", "checkpoint", "force_checkpoint",
        "enable_profiling", "disable_profiling", "enable_logging", "disable_logging", "truncate_duckdb_logs", "export_database",
        "set_config", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "sql_auto_complete", "make_secret",
    };

    /// <summary>Families of functions that read files, other databases or the engine's own catalog (read_csv, duckdb_tables, parquet_scan, pragma_…).</summary>
    private static readonly string[] RefusedPrefixes =
    [
        "read_", "duckdb_", "pragma_", "ladle", "parquet_", "iceberg_", "delta_", "sqlite_", "postgres_", "mysql_", "icu_", "httpfs",
        "__internal", "test_", "lo_",
    ];

    private static readonly string[] RefusedSuffixes = ["_scan", "_attach", "_query"];

    /// <summary>Schemas a built-in function may be named with; other qualified names are not functions a principal may call.</summary>
    private static readonly HashSet<string> FunctionSchemas = new(StringComparer.OrdinalIgnoreCase) { "", "main", "pg_catalog" };

    /// <summary>Refuses a scalar or aggregate function the sandbox does not allow.</summary>
    public static void CheckScalar(string? catalog, string? schema, string name)
    {
        if (!string.IsNullOrEmpty(catalog) || !FunctionSchemas.Contains(schema ?? ""))
            throw Refuse(Qualified(catalog, schema, name), "it is not one of the engine's built-in functions");
        if (Refused.Contains(name) || RefusedPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))
            || RefusedSuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase)))
            throw Refuse(name, "it reads files, settings or the engine's own catalog");
    }

    /// <summary>Refuses a table function outside the allowlist.</summary>
    public static void CheckTable(string? schema, string name)
    {
        if (!string.IsNullOrEmpty(schema) && !FunctionSchemas.Contains(schema) || !TableFunctions.Contains(name))
            throw Refuse(Qualified(null, schema, name),
                $"SQL reads datasets, pg_catalog and information_schema; the table functions allowed are {string.Join(", ", TableFunctions.Order(StringComparer.Ordinal))}");
    }

    private static ForbiddenException Refuse(string name, string why) =>
        new($"function {name}() is not available over SQL: {why}");

    private static string Qualified(string? catalog, string? schema, string name) =>
        string.Join('.', new[] { catalog, schema, name }.Where(p => !string.IsNullOrEmpty(p)));
}
