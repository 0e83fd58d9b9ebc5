using System.Text.Json;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Ladle.Core.Sql;

namespace Ladle.Engine.Store;

/// <summary>
/// A version's table as files of shared storage, and back: <c>data.parquet</c> (written by DuckDB's COPY) and
/// <c>version.json</c>, which names the dataset, the number, the row count and each column's DuckDB type, so the
/// table a node loads has exactly the types of the one its builder published (Parquet alone widens some).
/// </summary>
public static partial class VersionParquet
{
    /// <summary>The data file of a version folder.</summary>
    public const string DataFile = "data.parquet";

    /// <summary>The description of a version folder.</summary>
    public const string DescriptionFile = "version.json";

    /// <summary>Writes a version's table into <paramref name="folder"/>.</summary>
    public static void Export(DuckDBConnection connection, string dataset, long version, string folder)
    {
        var table = DuckDbStore.VersionTable(dataset, version);
        var columns = new List<Column>();
        using (var describe = connection.CreateCommand())
        {
            describe.CommandText = $"SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '{DuckDbStore.VersionSchema}' " +
                $"AND table_name = {SqlDialect.Literal(DuckDbStore.VersionTableName(dataset, version))} ORDER BY ordinal_position";
            using var reader = describe.ExecuteReader();
            while (reader.Read()) columns.Add(new Column(reader.GetString(0), reader.GetString(1)));
        }
        long rows;
        using (var count = connection.CreateCommand())
        {
            // COPY answers no row count through DuckDB.NET's reader: the table is counted (it is not written to meanwhile).
            count.CommandText = $"SELECT count(*) FROM {table}";
            rows = Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        DuckDbStore.Execute(connection, $"COPY (SELECT * FROM {table}) TO {SqlDialect.Literal(Path.Combine(folder, DataFile))} (FORMAT parquet, COMPRESSION zstd)");
        File.WriteAllText(Path.Combine(folder, DescriptionFile), JsonSerializer.Serialize(new Description(dataset, version, rows, columns), Json));
    }

    /// <summary>Creates the version's table in this node's store from <paramref name="folder"/>; returns its row count.</summary>
    /// <exception cref="SharedStorageException">The folder does not describe this version, or its files cannot be read.</exception>
    public static long Import(DuckDBConnection connection, string dataset, long version, string folder)
    {
        Description description;
        try
        {
            description = JsonSerializer.Deserialize<Description>(File.ReadAllText(Path.Combine(folder, DescriptionFile)), Json)
                ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new SharedStorageException($"{Path.Combine(folder, DescriptionFile)} cannot be read as a version's description: {e.Message.TrimEnd('.')}", e);
        }
        if (!string.Equals(description.Dataset, dataset, StringComparison.OrdinalIgnoreCase) || description.Version != version)
            throw new SharedStorageException($"{folder} holds version {description.Version} of '{description.Dataset}', not version {version} of '{dataset}'");
        // Types come from a file: only what a DuckDB type name is made of is put into SQL, otherwise Parquet's own type stays.
        var select = string.Join(", ", description.Columns.Select(c => TypeName().IsMatch(c.Type)
            ? $"CAST({SqlDialect.DuckDb.Quote(c.Name)} AS {c.Type}) AS {SqlDialect.DuckDb.Quote(c.Name)}"
            : SqlDialect.DuckDb.Quote(c.Name)));
        try
        {
            DuckDbStore.Execute(connection,
                $"CREATE TABLE {DuckDbStore.VersionTable(dataset, version)} AS SELECT {select} FROM read_parquet({SqlDialect.Literal(Path.Combine(folder, DataFile))})");
        }
        catch (DuckDBException e) when (e.Message.Contains("No files found", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("IO Error", StringComparison.OrdinalIgnoreCase))
        {
            throw new SharedStorageException($"{Path.Combine(folder, DataFile)} cannot be read: {e.Message}", e);
        }
        return description.Rows;
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    [GeneratedRegex(@"^[A-Za-z0-9_ ,()\[\]]+$", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();

    private sealed record Column(string Name, string Type);

    private sealed record Description(string Dataset, long Version, long Rows, IReadOnlyList<Column> Columns);
}
