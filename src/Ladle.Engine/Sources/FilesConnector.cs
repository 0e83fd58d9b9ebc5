using System.Data.Common;
using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Engine.Sql;
using Ladle.Engine.Store;

namespace Ladle.Engine.Sources;

/// <summary>
/// CSV, Parquet and JSON files under a folder, read by DuckDB's built-in readers (globs allowed); DuckDB is the
/// engine that filters and projects them, reading only the columns and row groups a query needs.
/// </summary>
public sealed class FilesConnector(SourceDefinition definition, DuckDbStore store) : AdoConnector(definition)
{
    public override SqlDialect Dialect => SqlDialect.DuckDb;
    protected override bool SyncReads => true;

    public override string Relation(DatasetDefinition dataset)
    {
        var path = Path.Combine(Definition.Path!, dataset.Table!);
        var literal = SqlDialect.Literal(path);
        return FormatOf(Definition.Format, dataset.Table!) switch
        {
            FileFormat.Parquet => $"read_parquet({literal}, union_by_name = true)",
            FileFormat.Json => $"read_json_auto({literal})",
            _ => $"read_csv({literal}, header = true, union_by_name = true)",
        };
    }

    /// <summary>The format of a path: the source's, or by extension.</summary>
    public static FileFormat FormatOf(FileFormat declared, string path)
    {
        if (declared != FileFormat.Auto) return declared;
        var lower = path.ToLowerInvariant();
        if (lower.EndsWith(".parquet", StringComparison.Ordinal) || lower.EndsWith(".pq", StringComparison.Ordinal)) return FileFormat.Parquet;
        if (lower.EndsWith(".json", StringComparison.Ordinal) || lower.EndsWith(".ndjson", StringComparison.Ordinal) || lower.EndsWith(".jsonl", StringComparison.Ordinal)) return FileFormat.Json;
        return FileFormat.Csv;
    }

    protected override Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        Task.FromResult<DbConnection>(store.Open());

    protected override DbParameter CreateParameter(string name, object value) => new DuckDBParameter(name, value);
}
