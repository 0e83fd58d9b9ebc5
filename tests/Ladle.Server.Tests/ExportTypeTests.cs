using System.Net;
using CsvHelper;
using DuckDB.NET.Data;

namespace Ladle.Server.Tests;

/// <summary>
/// Every export writes each column as its declared type, whichever path writes it: DuckDB's own writer for data
/// the store holds (typed, typed_totals) and the managed encoders for a live DuckDB file (typed_live). Timestamps
/// are UTC instants everywhere: Parquet marks them isAdjustedToUTC, CSV writes them with Z.
/// </summary>
public sealed class ExportTypeTests : IAsyncLifetime
{
    private const string Columns = """
        columns:
          - { name: s, type: string }
          - { name: i, type: integer }
          - { name: d, type: double }
          - { name: m, type: decimal }
          - { name: b, type: boolean }
          - { name: day, type: date }
          - { name: stamp, type: timestamp }
        """;

    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", "name: types\nsources:\n  files:\n    kind: files\n    path: data\n  lake:\n    kind: duckdb\n    path: data/lake.duckdb\n");
        LoopbackServer.File(root, "data/typed.csv", "s,i,d,m,b,day,stamp\nx,1,1.5,2.25,true,2026-05-01,2026-05-01 10:15:30\ny,2,2.5,3.75,false,2026-05-02,2026-05-02 11:00:00.5\n");
        LoopbackServer.File(root, "datasets/typed.yaml", "name: typed\nsource: files\ntable: typed.csv\n" + Columns);
        // A SUM of BIGINT is HUGEINT in DuckDB; the contract says integer.
        LoopbackServer.File(root, "datasets/typed_totals.yaml", "name: typed_totals\nsql: select s, sum(i) as units from typed group by s\ncolumns:\n  - { name: s, type: string }\n  - { name: units, type: integer }\n");
        // DECIMAL(12,2) as the source computes it: stored, and exported, with that precision and scale.
        LoopbackServer.File(root, "datasets/typed_prices.yaml", "name: typed_prices\nsql: select s, cast(m as decimal(12,2)) as price from typed\ncolumns:\n  - { name: s, type: string }\n  - { name: price, type: decimal }\n");
        LoopbackServer.File(root, "datasets/typed_live.yaml", "name: typed_live\nsource: lake\ntable: typed\nmaterialization: live\n" + Columns);
        using var duck = new DuckDBConnection($"Data Source={Path.Combine(root, "data", "lake.duckdb")}");
        duck.Open();
        using var command = duck.CreateCommand();
        command.CommandText = "CREATE TABLE typed (s VARCHAR, i BIGINT, d DOUBLE, m DECIMAL(18,4), b BOOLEAN, day DATE, stamp TIMESTAMP); " +
                              "INSERT INTO typed VALUES ('x', 1, 1.5, 2.25, true, DATE '2026-05-01', TIMESTAMP '2026-05-01 10:15:30'), " +
                              "('y', 2, 2.5, 3.75, false, DATE '2026-05-02', TIMESTAMP '2026-05-02 11:00:00.5')";
        command.ExecuteNonQuery();
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<byte[]> ExportAsync(string dataset, string format)
    {
        using var response = await _server.Http.GetAsync($"/api/v1/datasets/{dataset}/rows?format={format}&order=s");
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, System.Text.Encoding.UTF8.GetString(body));
        return body;
    }

    /// <summary>The physical and logical type of each column of a Parquet file, as DuckDB's parquet_schema() reads them.</summary>
    private static Dictionary<string, (string Physical, string Converted, string Logical, long? Precision, long? Scale)> ParquetTypes(byte[] body)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ladle-export-types-{Guid.NewGuid():N}.parquet");
        File.WriteAllBytes(file, body);
        try
        {
            using var duck = new DuckDBConnection("Data Source=:memory:");
            duck.Open();
            using var command = duck.CreateCommand();
            command.CommandText = $"SELECT name, type, converted_type, logical_type, precision, scale FROM parquet_schema('{file}') WHERE type IS NOT NULL";
            using var reader = command.ExecuteReader();
            var types = new Dictionary<string, (string, string, string, long?, long?)>();
            while (reader.Read())
                types[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2), reader.IsDBNull(3) ? "" : reader.GetString(3),
                    reader.IsDBNull(4) ? null : Convert.ToInt64(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture),
                    reader.IsDBNull(5) ? null : Convert.ToInt64(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture));
            return types;
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("typed")]
    [InlineData("typed_live")]
    public async Task Parquet_writes_each_declared_type_as_its_physical_type_and_timestamps_as_utc(string dataset)
    {
        var types = ParquetTypes(await ExportAsync(dataset, "parquet"));

        Assert.Equal(("BYTE_ARRAY", "UTF8"), (types["s"].Physical, types["s"].Converted));
        Assert.Equal("INT64", types["i"].Physical);
        Assert.Equal("DOUBLE", types["d"].Physical);
        Assert.Equal("DECIMAL", types["m"].Converted);
        Assert.Equal("BOOLEAN", types["b"].Physical);
        Assert.Equal(("INT32", "DATE"), (types["day"].Physical, types["day"].Converted));
        Assert.Equal("INT64", types["stamp"].Physical);
        Assert.Matches("isAdjustedToUTC=(1|true)", types["stamp"].Logical);
    }

    [Theory]
    [InlineData("typed")]
    [InlineData("typed_live")]
    public async Task Parquet_timestamps_are_the_stored_instants_to_the_microsecond(string dataset)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ladle-instants-{Guid.NewGuid():N}.parquet");
        File.WriteAllBytes(file, await ExportAsync(dataset, "parquet"));
        try
        {
            using var duck = new DuckDBConnection("Data Source=:memory:");
            duck.Open();
            using var command = duck.CreateCommand();
            command.CommandText = $"SELECT epoch_us(stamp) FROM read_parquet('{file}') ORDER BY s";
            var micros = new List<long>();
            using (var reader = command.ExecuteReader())
                while (reader.Read()) micros.Add(reader.GetInt64(0));
            long Micros(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks / 10;
            Assert.Equal(
                [Micros(new DateTime(2026, 5, 1, 10, 15, 30, DateTimeKind.Utc)), Micros(new DateTime(2026, 5, 2, 11, 0, 0, 500, DateTimeKind.Utc))],
                micros);

            // A reader that prunes row groups by their statistics must still find the row (wrong min/max would skip it).
            command.CommandText = $"SELECT count(*) FROM read_parquet('{file}') WHERE stamp >= TIMESTAMPTZ '2026-05-02 00:00:00+00'";
            Assert.Equal(1L, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_integer_computed_as_hugeint_is_stored_and_exported_as_int64()
    {
        var types = ParquetTypes(await ExportAsync("typed_totals", "parquet"));

        Assert.Equal("INT64", types["units"].Physical);
    }

    [Fact]
    public async Task A_decimal_keeps_the_precision_and_scale_it_is_stored_with_in_parquet_and_csv()
    {
        var types = ParquetTypes(await ExportAsync("typed_prices", "parquet"));
        Assert.Equal(("INT64", "DECIMAL", (long?)12, (long?)2), (types["price"].Physical, types["price"].Converted, types["price"].Precision, types["price"].Scale));

        using var reader = CsvReader.Create(new MemoryStream(await ExportAsync("typed_prices", "csv")), new CsvReaderOptions(), false);
        reader.ReadHeader();
        var prices = new List<string>();
        while (reader.Read()) prices.Add(reader.GetString("price"));
        Assert.Equal(["2.25", "3.75"], prices);
    }

    [Theory]
    [InlineData("typed")]
    [InlineData("typed_live")]
    public async Task Csv_writes_timestamps_as_utc_instants(string dataset)
    {
        using var reader = CsvReader.Create(new MemoryStream(await ExportAsync(dataset, "csv")), new CsvReaderOptions(), false);
        reader.ReadHeader();
        var stamps = new List<string>();
        while (reader.Read()) stamps.Add(reader.GetString("stamp"));

        Assert.Equal(["2026-05-01 10:15:30Z", "2026-05-02 11:00:00.5Z"], stamps);
    }
}
