using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Results;
using Ladle.Engine.Sql;
using Ladle.Engine.Store;

namespace Ladle.Engine.Sources;

/// <summary>The source rows a build left out of a version (on_bad_rows: reject or quarantine), kept beside it.</summary>
/// <param name="Table">The side table, <c>ladle_rejects."dataset__vN"</c>: file, line, column, value, reason.</param>
/// <param name="Rows">Rows left out.</param>
/// <param name="First">Where the first one is and why, without its value: "data/x.csv:17: column population is not an integer".</param>
/// <param name="Sample">Up to ten of them as a JSON array of {file, line, column, reason}.</param>
public sealed record RejectedRows(string Table, long Rows, string? First, string? Sample);

/// <summary>
/// Loads a files dataset into a version table with one CREATE TABLE AS, holding its rows to the declared columns
/// as the dataset's on_bad_rows says: fail naming the first bad row's file, line and column, or leave the bad rows
/// out and keep them in a side table. CSV rows are judged by DuckDB's CSV reader (store_rejects), which knows each
/// row's line; Parquet and JSON values come typed, so a value that does not convert is found with TRY_CAST.
/// </summary>
internal sealed class FileLoad(FilesConnector connector, DatasetDefinition dataset, ResultSchema source, IReadOnlyList<ResultColumn> columns)
{
    public const string RejectsSchema = DuckDbStore.RejectsSchema;
    private const string RejectedTemp = "ladle_rejected_rows", ScannedTemp = "ladle_rejected_scans";

    /// <summary>The side table of a version's rejected rows.</summary>
    public static string RejectsTable(string dataset, long version) => DuckDbStore.RejectsTable(dataset, version);

    private bool IsCsv => connector.FormatOf(dataset) == FileFormat.Csv;

    /// <summary>Declared columns the source holds as another type: the ones a value can fail to convert in.</summary>
    private List<(ResultColumn Target, string SourceName)> Cast =>
        columns.Select(c => (Target: c, Source: source.Columns[source.IndexOf(c.Name)]))
            .Where(p => p.Source.Type != p.Target.Type)
            .Select(p => (p.Target, p.Source.Name))
            .ToList();

    /// <summary>Builds <paramref name="table"/>; returns the rows left out, or null when on_bad_rows is fail.</summary>
    public async Task<RejectedRows?> RunAsync(DuckDBConnection connection, string table, long version, CancellationToken ct)
    {
        if (dataset.BadRows.Action == OnBadRows.Fail || dataset.Columns.Count == 0)
        {
            try
            {
                await ExecuteAsync(connection, $"CREATE TABLE {table} AS SELECT {Projection(tryCast: false)} FROM {connector.Relation(dataset)} AS t", ct);
            }
            catch (DuckDBException e)
            {
                if (dataset.Columns.Count > 0 && IsBadRow(e) && await FirstBadRowAsync(connection, ct) is { } bad) throw bad;
                throw connector.ReadFailed(e, dataset);
            }
            return null;
        }

        var rejects = RejectsTable(dataset.Name, version);
        try
        {
            await ExecuteAsync(connection, $"CREATE SCHEMA IF NOT EXISTS {RejectsSchema}", ct);
            if (IsCsv) await LoadCsvAsync(connection, table, rejects, ct);
            else await LoadTypedAsync(connection, table, rejects, ct);
        }
        catch (DuckDBException e)
        {
            throw connector.ReadFailed(e, dataset);
        }
        return await SummarizeAsync(connection, rejects, ct);
    }

    // Each declared column as the store holds it, as every other load writes it (an INTEGER file column is stored
    // BIGINT: an export then writes the declared 64-bit integer without casting on every read).
    private string Projection(bool tryCast) => string.Join(", ", columns.Select(c => StoredColumn.Projection(c, source, tryCast)));

    /// <summary>The CSV reader's types option: declared types of the columns it would otherwise read as something else.</summary>
    private string CsvTypes() =>
        "types = {" + string.Join(", ", Cast.Select(c => $"{SqlDialect.Literal(c.SourceName)}: {SqlDialect.Literal(SqlDialect.DuckDb.TypeName(c.Target.Type))}")) + "}";

    private string CsvRejectsOptions() =>
        (Cast.Count > 0 ? CsvTypes() + ", " : "") + $"store_rejects = true, rejects_table = '{RejectedTemp}', rejects_scan = '{ScannedTemp}'";

    /// <summary>A path as stored and shown: relative to the project when inside it (SQL over a file-name column).</summary>
    private string DisplaySql(string expression)
    {
        var folder = connector.Definition.Path!.TrimEnd('/', '\\');
        var shownFolder = connector.Display(folder);
        return shownFolder == folder ? expression
            : $"CASE WHEN starts_with({expression}, {SqlDialect.Literal(folder + "/")}) THEN {SqlDialect.Literal(shownFolder + "/")} || substr({expression}, {folder.Length + 2}) ELSE {expression} END";
    }

    /// <summary>CSV: the reader drops the rows it cannot parse into the declared types and says which, by line.</summary>
    private async Task LoadCsvAsync(DuckDBConnection connection, string table, string rejects, CancellationToken ct)
    {
        // DuckDB keeps rejects per connection in temporary tables; union_by_name cannot be combined with them.
        await ExecuteAsync(connection, $"CREATE TABLE {table} AS SELECT {Projection(tryCast: false)} FROM {connector.Reader(dataset, CsvRejectsOptions())} AS t", ct);
        await ExecuteAsync(connection, $"""
            CREATE TABLE {rejects} AS
            SELECT {DisplaySql("s.file_path")} AS file, e.line AS line, e.column_name AS "column",
                   CASE WHEN e.error_type = 'CAST' THEN nullif(regexp_extract(e.error_message, 'string "(.*)" to ', 1), '') END AS value,
                   CASE WHEN e.error_type = 'CAST' THEN {ReasonSql("e.column_name")} ELSE lower(CAST(e.error_type AS VARCHAR)) END AS reason
            FROM temp.{RejectedTemp} e JOIN temp.{ScannedTemp} s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
            ORDER BY file, line
            """, ct);
        await ExecuteAsync(connection, $"DROP TABLE IF EXISTS temp.{RejectedTemp}; DROP TABLE IF EXISTS temp.{ScannedTemp}", ct);
    }

    /// <summary>Parquet, JSON: values come typed; a row whose value does not convert to the declared type is left out.</summary>
    private async Task LoadTypedAsync(DuckDBConnection connection, string table, string rejects, CancellationToken ct)
    {
        var cast = Cast;
        var ok = cast.Count == 0 ? "true" : string.Join(" AND ", cast.Select(c => $"NOT ({Fails(c)})"));
        await ExecuteAsync(connection, $"CREATE TABLE {table} AS SELECT {Projection(tryCast: true)} FROM {connector.Relation(dataset)} AS t WHERE {ok}", ct);
        var located = LocatedReader();
        var parts = cast.Count == 0
            ? ["SELECT NULL::VARCHAR AS file, NULL::UBIGINT AS line, NULL::VARCHAR AS \"column\", NULL::VARCHAR AS value, NULL::VARCHAR AS reason WHERE false"]
            : cast.Select(c => $"SELECT {DisplaySql("filename")} AS file, {LineSql()} AS line, {SqlDialect.Literal(c.Target.Name)} AS \"column\", " +
                $"CAST({SqlDialect.DuckDb.Quote(c.SourceName)} AS VARCHAR) AS value, {SqlDialect.Literal(Reason(c.Target.Type))} AS reason FROM {located} AS t WHERE {Fails(c)}");
        await ExecuteAsync(connection, $"CREATE TABLE {rejects} AS SELECT * FROM ({string.Join(" UNION ALL ", parts)}) ORDER BY file, line", ct);
    }

    private static string Fails((ResultColumn Target, string SourceName) c)
    {
        var quoted = SqlDialect.DuckDb.Quote(c.SourceName);
        return $"{quoted} IS NOT NULL AND TRY_CAST({quoted} AS {SqlDialect.DuckDb.TypeName(c.Target.Type)}) IS NULL";
    }

    /// <summary>The reader with each row's file (and, for Parquet, its row number).</summary>
    private string LocatedReader() => connector.FormatOf(dataset) == FileFormat.Parquet
        ? connector.Reader(dataset, "union_by_name = true, filename = true, file_row_number = true")
        : connector.Reader(dataset, "union_by_name = true, filename = true");

    private string LineSql() => connector.FormatOf(dataset) == FileFormat.Parquet ? "file_row_number + 1" : "NULL::UBIGINT";

    private string ReasonSql(string columnExpression) => Cast.Count == 0 ? "'does not fit its column'" :
        "CASE " + string.Join(" ", Cast.Select(c => $"WHEN {columnExpression} = {SqlDialect.Literal(c.SourceName)} THEN {SqlDialect.Literal(Reason(c.Target.Type))}")) +
        " ELSE 'does not fit its column' END";

    private static string Reason(LadleType type) => type switch
    {
        LadleType.Integer => "not an integer",
        _ => $"not a {type.Name()}",
    };

    private async Task<RejectedRows> SummarizeAsync(DuckDBConnection connection, string rejects, CancellationToken ct)
    {
        using var command = connection.CreateCommand();
        // A CSV line may break several columns; a Parquet or JSON row too: count rows, not errors.
        command.CommandText = $"""
            SELECT (SELECT count(*) FROM (SELECT DISTINCT file, line, CASE WHEN line IS NULL THEN value END FROM {rejects})),
                   (SELECT file || coalesce({(IsCsv ? "':'" : "' row '")} || line, '') || ': column ' || "column" || ' is ' || reason FROM {rejects} ORDER BY file, line LIMIT 1)
            """;
        long rows;
        string? first;
        using (var reader = await Task.Run(() => command.ExecuteReader(), ct))
        {
            reader.Read();
            rows = reader.GetInt64(0);
            first = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        string? sample = null;
        if (rows > 0)
        {
            command.CommandText = $"SELECT file, line, \"column\", reason FROM {rejects} ORDER BY file, line LIMIT 10";
            using var reader = command.ExecuteReader();
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartArray();
                while (reader.Read())
                {
                    json.WriteStartObject();
                    json.WriteString("file", reader.IsDBNull(0) ? null : reader.GetString(0));
                    if (reader.IsDBNull(1)) json.WriteNull("line");
                    else json.WriteNumber("line", Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
                    json.WriteString("column", reader.IsDBNull(2) ? null : reader.GetString(2));
                    json.WriteString("reason", reader.IsDBNull(3) ? null : reader.GetString(3));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            sample = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        return new RejectedRows(rejects, rows, first, sample);
    }

    /// <summary>True for errors about a row's content rather than the file as a whole.</summary>
    private static bool IsBadRow(DuckDBException e) =>
        e.Message.StartsWith("Conversion Error", StringComparison.Ordinal) || e.Message.Contains("CSV Error on Line", StringComparison.Ordinal);

    /// <summary>
    /// The first row that does not fit, as an error naming file, line and column; its value only in the detail (the
    /// owner's build log). Null when it cannot be found, and the reader's own error stands.
    /// </summary>
    private async Task<SourceDataException?> FirstBadRowAsync(DuckDBConnection connection, CancellationToken ct)
    {
        try
        {
            var found = IsCsv ? await FirstBadCsvRowAsync(connection, ct) : await FirstBadTypedRowAsync(connection, ct);
            if (found is not { } bad) return null;
            var at = bad.Line is not { } line ? bad.File : IsCsv ? $"{bad.File}:{line}" : $"{bad.File} row {line}";
            var where = $"{dataset.File}: column {bad.Column}";
            var hint = "fix the file, or set 'on_bad_rows: reject' to leave such rows out (kept in ladle_rejects)";
            return new SourceDataException(connector.Definition.Name, bad.File,
                $"{where}: the value at {at} is {bad.Reason} (ladle materialize shows the value to the project owner); {hint}",
                $"{where}: value {(bad.Value is null ? "(none)" : $"'{bad.Value}'")} at {at} is {bad.Reason}; {hint}");
        }
        catch (DuckDBException)
        {
            return null;
        }
    }

    private sealed record BadRow(string File, long? Line, string Column, string? Value, string Reason);

    /// <summary>Reads each CSV file in turn through the reader's rejects until one has a row that does not fit.</summary>
    private async Task<BadRow?> FirstBadCsvRowAsync(DuckDBConnection connection, CancellationToken ct)
    {
        var files = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT file FROM glob({SqlDialect.Literal(connector.PathOf(dataset))}) ORDER BY file";
            using var reader = command.ExecuteReader();
            while (reader.Read()) files.Add(reader.GetString(0));
        }
        try
        {
            foreach (var file in files)
            {
                ct.ThrowIfCancellationRequested();
                var literal = SqlDialect.Literal(file);
                try
                {
                    await ExecuteAsync(connection, $"SELECT count(COLUMNS(*)) FROM read_csv({literal}, header = true, {CsvRejectsOptions()})", ct);
                }
                catch (DuckDBException)
                {
                    continue; // this file lacks a declared column, say: another error, not a bad row
                    // (count(COLUMNS(*)) rather than count(*): the reader converts only the columns a query reads.)
                }
                using var command = connection.CreateCommand();
                command.CommandText = $"""
                    SELECT e.line, e.column_name, CAST(e.error_type AS VARCHAR),
                           nullif(regexp_extract(e.error_message, 'string "(.*)" to ', 1), '')
                    FROM temp.{RejectedTemp} e ORDER BY e.line LIMIT 1
                    """;
                using var reader = command.ExecuteReader();
                if (!reader.Read()) continue;
                var column = reader.IsDBNull(1) ? "?" : reader.GetString(1);
                var type = reader.GetString(2);
                var declared = dataset.FindColumn(column)?.Type;
                var reason = type == "CAST" && declared is { } t ? Reason(t) : type.ToLowerInvariant();
                return new BadRow(connector.Display(file), Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), column,
                    reader.IsDBNull(3) ? null : reader.GetString(3), reason);
            }
            return null;
        }
        finally
        {
            await ExecuteAsync(connection, $"DROP TABLE IF EXISTS temp.{RejectedTemp}; DROP TABLE IF EXISTS temp.{ScannedTemp}", CancellationToken.None);
        }
    }

    /// <summary>Parquet, JSON: the first value of a cast column that TRY_CAST cannot convert.</summary>
    private async Task<BadRow?> FirstBadTypedRowAsync(DuckDBConnection connection, CancellationToken ct)
    {
        foreach (var c in Cast)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT filename, {LineSql()}, CAST({SqlDialect.DuckDb.Quote(c.SourceName)} AS VARCHAR) FROM {LocatedReader()} AS t WHERE {Fails(c)} LIMIT 1";
            using var reader = await Task.Run(() => command.ExecuteReader(), ct);
            if (!reader.Read()) continue;
            return new BadRow(connector.Display(reader.GetString(0)), reader.IsDBNull(1) ? null : Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture),
                c.Target.Name, reader.IsDBNull(2) ? null : reader.GetString(2), Reason(c.Target.Type));
        }
        return null;
    }

    private static async Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken ct)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var registration = ct.Register(() => { try { command.Cancel(); } catch (DuckDBException) { } });
        await Task.Run(() => command.ExecuteNonQuery(), ct);
    }
}
