using System.Data.Common;
using DuckDB.NET.Data;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Results;
using Ladle.Engine.Sql;
using Ladle.Engine.Store;

namespace Ladle.Engine.Sources;

/// <summary>
/// CSV, Parquet and JSON files under a folder, read by DuckDB's built-in readers (globs allowed); DuckDB is the
/// engine that filters and projects them, reading only the columns and row groups a query needs.
/// </summary>
/// <param name="projectRoot">The project folder, so that errors name files as the project does (data/x.csv).</param>
public sealed class FilesConnector(SourceDefinition definition, DuckDbStore store, string? projectRoot = null) : AdoConnector(definition)
{
    public override SqlDialect Dialect => SqlDialect.DuckDb;
    protected override bool SyncReads => true;

    public override string Relation(DatasetDefinition dataset) => Reader(dataset, "union_by_name = true");

    /// <summary>The dataset's reader call with the given options (CSV also gets header = true).</summary>
    internal string Reader(DatasetDefinition dataset, string options)
    {
        var literal = SqlDialect.Literal(PathOf(dataset));
        var extra = options.Length == 0 ? "" : ", " + options;
        return FormatOf(dataset) switch
        {
            FileFormat.Parquet => $"read_parquet({literal}{extra})",
            FileFormat.Json => $"read_json_auto({literal}{extra})",
            _ => $"read_csv({literal}, header = true{extra})",
        };
    }

    /// <summary>The dataset's path or glob, absolute.</summary>
    internal string PathOf(DatasetDefinition dataset) => Path.Combine(Definition.Path!, dataset.Table!);

    internal FileFormat FormatOf(DatasetDefinition dataset) => FormatOf(Definition.Format, dataset.Table!);

    /// <summary>The format of a path: the source's, or by extension.</summary>
    public static FileFormat FormatOf(FileFormat declared, string path)
    {
        if (declared != FileFormat.Auto) return declared;
        var lower = path.ToLowerInvariant();
        if (lower.EndsWith(".parquet", StringComparison.Ordinal) || lower.EndsWith(".pq", StringComparison.Ordinal)) return FileFormat.Parquet;
        if (lower.EndsWith(".json", StringComparison.Ordinal) || lower.EndsWith(".ndjson", StringComparison.Ordinal) || lower.EndsWith(".jsonl", StringComparison.Ordinal)) return FileFormat.Json;
        return FileFormat.Csv;
    }

    public override async Task<ResultStream> QueryAsync(SqlStatement statement, ResultSchema? schema, CancellationToken cancellationToken)
    {
        try
        {
            return await base.QueryAsync(statement, schema, cancellationToken);
        }
        catch (LadleException e) when (e.InnerException is DuckDBException reader)
        {
            throw ReadFailed(reader, null);
        }
    }

    /// <summary>
    /// What a reader's error means. The folder of the source gone or empty (a share not mounted) is an outage worth
    /// waiting out; anything else — a file that is there but truncated, empty or corrupt, a path or glob that matches nothing
    /// in a folder that is there — is the producer's or the definition's to fix, and fails at once.
    /// </summary>
    internal LadleException ReadFailed(DuckDBException e, DatasetDefinition? dataset)
    {
        var (reason, detail) = FileReadErrors.Reason(e);
        var folder = Definition.Path!;
        if (FolderIsGone(folder))
            return new SourceUnavailableException(Definition.Name,
                $"source '{Definition.Name}' (files): its folder {Display(folder)} is not there or empty (a share that is not mounted?): {reason}", e);
        var file = FileReadErrors.FileNamed(e.Message, folder) ?? (dataset is null ? null : PathOf(dataset));
        var shown = file is null ? $"source '{Definition.Name}' (files)" : Display(file);
        var owner = dataset is null ? "" : $"dataset '{dataset.Name}' ({dataset.File}): ";
        var hint = FileReadErrors.IsNoMatch(e.Message)
            ? "nothing matches: check 'table:' or that the producer delivered the files"
            : "the file is there but cannot be read: have its producer write it again (it is not retried)";
        return new SourceDataException(Definition.Name, file is null ? null : Display(file),
            $"{owner}{shown}: {reason}; {hint}", $"{owner}{shown}: {detail}; {hint}", e);
    }

    /// <summary>
    /// True when the source's folder is missing, unreadable or empty: what an unmounted share looks like (its mount
    /// point may stay behind, empty). A folder with anything in it answered; what it lacks is the producer's to deliver.
    /// </summary>
    private static bool FolderIsGone(string folder)
    {
        try { return !Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return true; }
    }

    /// <summary>A path as the project names it: relative to the project folder when inside it.</summary>
    internal string Display(string path)
    {
        if (projectRoot is null) return path;
        var relative = Path.GetRelativePath(projectRoot, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative.Replace('\\', '/');
    }

    protected override Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        Task.FromResult<DbConnection>(store.Open());

    protected override DbParameter CreateParameter(string name, object value) => new DuckDBParameter(name, value);
}
