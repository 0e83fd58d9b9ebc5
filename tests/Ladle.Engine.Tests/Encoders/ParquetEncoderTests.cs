using System.Numerics;
using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Parquet;
using Parquet.Schema;

namespace Ladle.Engine.Tests.Encoders;

public sealed class ParquetEncoderTests
{
    private static readonly ParquetOptions ReadOptions = new() { UseDateOnlyTypeForDates = true };

    [Fact]
    public async Task Parquet_round_trips_every_type_through_ParquetNet()
    {
        var bytes = await Sample.EncodeAsync(new ParquetEncoder(), Sample.Result());

        var columns = await ReadAllAsync(bytes);
        for (var c = 0; c < Sample.Schema.Columns.Count; c++)
        {
            Assert.Equal(Sample.Rows, columns[c].Length);
            for (var k = 0; k < Sample.Rows; k++) Assert.Equal(Sample.Value(k, c), columns[c][k]);
        }
    }

    [Fact]
    public async Task Parquet_declares_nullable_typed_fields()
    {
        var bytes = await Sample.EncodeAsync(new ParquetEncoder(), Sample.Result(rows: 10));

        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(bytes), ReadOptions);
        var fields = reader.Schema.DataFields;
        Assert.Equal(Sample.Schema.Columns.Select(c => c.Name), fields.Select(f => f.Name));
        Assert.All(fields, f => Assert.True(f.IsNullable));
        Assert.Equal(typeof(long), fields[Sample.Whole].ClrType);
        Assert.Equal(typeof(double), fields[Sample.Real].ClrType);
        var money = Assert.IsType<DecimalDataField>(fields[Sample.Money]);
        Assert.Equal((38, 9), (money.Precision, money.Scale));
        Assert.Equal(typeof(bool), fields[Sample.Flag].ClrType);
        Assert.Equal(typeof(DateOnly), fields[Sample.Day].ClrType);
        var moment = Assert.IsType<DateTimeDataField>(fields[Sample.Moment]);
        Assert.Equal(DateTimeTimeUnit.Micros, moment.Unit);
        Assert.True(moment.IsAdjustedToUTC);
    }

    [Fact]
    public async Task Parquet_gathers_batches_into_row_groups_of_the_configured_size()
    {
        var bytes = await Sample.EncodeAsync(new ParquetEncoder(rowGroupRows: 3000), Sample.Result());

        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(bytes), ReadOptions);
        Assert.Equal([3000L, 3000L, 3000L, 1000L], reader.RowGroups.Select(g => g.RowCount));
        var columns = await ReadAllAsync(bytes);
        for (var k = 0; k < Sample.Rows; k++) Assert.Equal(Sample.Value(k, Sample.Moment), columns[Sample.Moment][k]);
    }

    [Fact]
    public async Task Parquet_of_ten_thousand_rows_is_one_row_group()
    {
        var bytes = await Sample.EncodeAsync(new ParquetEncoder(), Sample.Result());

        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(bytes), ReadOptions);
        Assert.Equal(1, reader.RowGroupCount);
    }

    [Fact]
    public async Task Parquet_rounds_decimals_to_nine_places()
    {
        var schema = new ResultSchema([new ResultColumn("m", LadleType.Decimal)]);
        var rows = new List<object?[]>
        {
            new object?[] { 0.1234567895m }, new object?[] { -2.00000000049m }, new object?[] { -0.0000000005m },
            new object?[] { 0.0000000004999999999999999999m }, new object?[] { 1.000m },
        };

        var columns = await ReadAllAsync(await Sample.EncodeAsync(new ParquetEncoder(), new BatchListStream(schema, rows)));

        Assert.Equal([0.123456790m, -2.000000000m, -0.000000001m, 0m, 1m], columns[0]);
    }

    [Fact]
    public async Task Parquet_of_an_empty_result_is_a_valid_file_with_no_rows()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ladle-{Guid.NewGuid():N}.parquet");
        try
        {
            await File.WriteAllBytesAsync(path, await Sample.EncodeAsync(new ParquetEncoder(), Sample.Result(rows: 0)));

            using var connection = new DuckDBConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM read_parquet('{path}')";
            Assert.Equal(0L, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task DuckDB_reads_the_Parquet_file_back()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ladle-{Guid.NewGuid():N}.parquet");
        try
        {
            await File.WriteAllBytesAsync(path, await Sample.EncodeAsync(new ParquetEncoder(rowGroupRows: 4096), Sample.Result()));

            using var connection = new DuckDBConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT count(*), count(text), sum(whole)::VARCHAR, max(money)::VARCHAR, min(day)::VARCHAR,
                       epoch_us(max(moment)), count(flag) FILTER (WHERE flag),
                       typeof(any_value(whole)), typeof(any_value(real)), typeof(any_value(money)),
                       typeof(any_value(flag)), typeof(any_value(day)), typeof(any_value(moment))
                FROM read_parquet('{path}')
                """;
            using var reader = command.ExecuteReader();
            Assert.True(reader.Read());

            var values = Enumerable.Range(0, Sample.Rows).Select(k => (k, v: (Func<int, object?>)(c => Sample.Value(k, c)))).ToList();
            Assert.Equal(Sample.Rows, reader.GetInt64(0));
            Assert.Equal(values.Count(r => r.v(Sample.Text) is not null), reader.GetInt64(1));
            Assert.Equal(values.Select(r => r.v(Sample.Whole)).OfType<long>().Aggregate(BigInteger.Zero, (s, x) => s + x).ToString(System.Globalization.CultureInfo.InvariantCulture), reader.GetString(2));
            Assert.Equal("79228162514264337593543950335.000000000", reader.GetString(3));
            Assert.Equal("0001-01-01", reader.GetString(4));
            Assert.Equal((new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9_999_990) - DateTime.UnixEpoch).Ticks / 10, reader.GetInt64(5));
            Assert.Equal(values.Count(r => r.v(Sample.Flag) is true), reader.GetInt64(6));
            Assert.Equal(
                ["BIGINT", "DOUBLE", "DECIMAL(38,9)", "BOOLEAN", "DATE", "TIMESTAMP WITH TIME ZONE"],
                Enumerable.Range(7, 6).Select(reader.GetString));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task DuckDB_reads_awkward_text_from_the_Parquet_file_unchanged()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ladle-{Guid.NewGuid():N}.parquet");
        try
        {
            await File.WriteAllBytesAsync(path, await Sample.EncodeAsync(new ParquetEncoder(), Sample.Result(rows: 20)));

            using var connection = new DuckDBConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT text FROM read_parquet('{path}') WHERE whole IN (9223372036854775807, -1, 42) ORDER BY whole";
            using var reader = command.ExecuteReader();
            var texts = new List<string>();
            while (reader.Read()) texts.Add(reader.GetString(0));

            Assert.Equal([(string)Sample.Value(4, 0)!, (string)Sample.Value(6, 0)!, (string)Sample.Value(1, 0)!], texts);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Every column of every row group, boxed, in row order.</summary>
    private static async Task<object?[][]> ReadAllAsync(byte[] bytes)
    {
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(bytes), ReadOptions);
        var fields = reader.Schema.DataFields;
        var columns = fields.Select(_ => new List<object?>()).ToArray();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = (int)group.RowCount;
            for (var c = 0; c < fields.Length; c++)
            {
                var field = fields[c];
                IEnumerable<object?> values;
                if (field.ClrType == typeof(ReadOnlyMemory<char>) || field.ClrType == typeof(string))
                {
                    var strings = new string?[n];
                    await group.ReadAsync(field, strings.AsMemory());
                    values = strings;
                }
                else if (field.ClrType == typeof(long)) values = await ReadAsync<long>(group, field, n);
                else if (field.ClrType == typeof(double)) values = await ReadAsync<double>(group, field, n);
                else if (field.ClrType == typeof(decimal)) values = await ReadAsync<decimal>(group, field, n);
                else if (field.ClrType == typeof(bool)) values = await ReadAsync<bool>(group, field, n);
                else if (field.ClrType == typeof(DateOnly)) values = await ReadAsync<DateOnly>(group, field, n);
                else if (field.ClrType == typeof(DateTime)) values = await ReadAsync<DateTime>(group, field, n);
                else throw new InvalidOperationException(field.ClrType.Name);
                columns[c].AddRange(values);
            }
        }
        return columns.Select(c => c.ToArray()).ToArray();
    }

    private static async Task<IEnumerable<object?>> ReadAsync<T>(ParquetRowGroupReader group, DataField field, int n) where T : struct
    {
        var values = new T?[n];
        await group.ReadAsync<T>(field, values.AsMemory());
        return values.Select(v => v.HasValue ? (object?)v.Value : null);
    }
}
