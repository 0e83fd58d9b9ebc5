using System.Globalization;
using DuckDB.NET.Data;
using Ladle.Core.Model;
using Microsoft.Data.Sqlite;

namespace Ladle.Cli.Tests.Demo;

/// <summary>
/// An in-memory DuckDB where every dataset of a generated demo is a view or table under its own name,
/// built the way a reader would: read_parquet/read_csv/read_json over the files, rows copied out of
/// SQLite, and the derived datasets' own SQL on top.
/// </summary>
internal sealed class DemoDatabase : IDisposable
{
    private readonly DuckDBConnection _connection;

    public DemoDatabase(ProjectDefinition project)
    {
        _connection = new DuckDBConnection("DataSource=:memory:");
        _connection.Open();
        foreach (var dataset in project.Datasets)
        {
            // A stream's windows exist only once a running server has closed some: no file holds them.
            if (dataset.Stream is not null) continue;
            if (dataset.IsDerived) Execute($"CREATE VIEW {dataset.Name} AS {dataset.Sql}");
            else if (project.Sources[dataset.Source!] is { Kind: SourceKind.Files } files)
                Execute($"CREATE VIEW {dataset.Name} AS SELECT * FROM {FileReader(files, dataset)}");
            else CopyFromSqlite(project.Sources[dataset.Source!], dataset);
        }
    }

    /// <summary>The table function that reads a files dataset, chosen by the source's format or the file extension.</summary>
    public static string FileReader(SourceDefinition source, DatasetDefinition dataset)
    {
        var path = Path.Combine(source.Path!, dataset.Table!).Replace("'", "''", StringComparison.Ordinal);
        var format = source.Format != FileFormat.Auto ? source.Format : Path.GetExtension(dataset.Table!) switch
        {
            ".parquet" => FileFormat.Parquet,
            ".csv" => FileFormat.Csv,
            _ => FileFormat.Json,
        };
        return format switch
        {
            FileFormat.Parquet => $"read_parquet('{path}')",
            FileFormat.Csv => $"read_csv('{path}')",
            _ => $"read_json('{path}')",
        };
    }

    public void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public T Scalar<T>(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Every row of a query as one line of text, in order: for comparing two generations.</summary>
    public List<string> Rows(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        var values = new object[reader.FieldCount];
        while (reader.Read())
        {
            reader.GetValues(values);
            rows.Add(string.Join('|', values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        }
        return rows;
    }

    /// <summary>Column names and DuckDB types of a relation, in order.</summary>
    public List<(string Name, string Type)> Describe(string relation)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"DESCRIBE {relation}";
        using var reader = command.ExecuteReader();
        var columns = new List<(string, string)>();
        while (reader.Read()) columns.Add((reader.GetString(0), reader.GetString(1)));
        return columns;
    }

    public void Dispose() => _connection.Dispose();

    private void CopyFromSqlite(SourceDefinition source, DatasetDefinition dataset)
    {
        Execute($"CREATE TABLE {dataset.Name} ({string.Join(", ", dataset.Columns.Select(c => $"{c.Name} {DeclaredTypes.DuckDbType(c.Type)}"))})");
        using var sqlite = OpenSqlite(source.Path!);
        using var select = sqlite.CreateCommand();
        select.CommandText = $"SELECT {string.Join(", ", dataset.Columns.Select(c => c.Name))} FROM {dataset.Table}";
        using var reader = select.ExecuteReader();
        using var appender = _connection.CreateAppender(dataset.Name);
        while (reader.Read())
        {
            var row = appender.CreateRow();
            for (var i = 0; i < dataset.Columns.Count; i++)
            {
                if (reader.IsDBNull(i)) { row.AppendNullValue(); continue; }
                row = dataset.Columns[i].Type switch
                {
                    LadleType.Integer => row.AppendValue(reader.GetInt64(i)),
                    LadleType.Double => row.AppendValue(reader.GetDouble(i)),
                    LadleType.Boolean => row.AppendValue(reader.GetInt64(i) != 0),
                    LadleType.Timestamp => row.AppendValue(DateTime.ParseExact(reader.GetString(i), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
                    _ => row.AppendValue(reader.GetString(i)),
                };
            }
            row.EndRow();
        }
    }

    public static SqliteConnection OpenSqlite(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }
}
