using Ladle.Core.Model;
using Ladle.Engine.Results;
using Parquet;
using Parquet.Schema;

namespace Ladle.Engine.Encoding;

/// <summary>
/// Apache Parquet through Parquet.Net: batches gather into row groups of about <see cref="RowGroupSize"/> rows,
/// each written and sent before the next is read, so memory holds one row group, never the result.
/// Every column is nullable; decimals are DECIMAL(38, 10); timestamps are UTC.
/// </summary>
public sealed class ParquetEncoder : IResultEncoder, INativeFormat
{
    public const int RowGroupSize = 128 * 1024;

    public string Format => "parquet";
    public string ContentType => "application/vnd.apache.parquet";
    public string FileExtension => "parquet";

    public string DuckDbCopyOptions => "FORMAT parquet, COMPRESSION snappy";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        var fields = result.Schema.Columns.Select(Field).ToArray();
        using var pending = new PendingBytesStream();
        var columns = result.Schema.Columns.Select(c => new ColumnBuffer(c.Type, RowGroupSize)).ToArray();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), pending, cancellationToken: cancellationToken))
        {
            var rows = 0;
            while (await result.ReadAsync(cancellationToken) is { } batch)
            {
                var offset = 0;
                while (offset < batch.Count)
                {
                    var take = Math.Min(batch.Count - offset, RowGroupSize - rows);
                    for (var c = 0; c < columns.Length; c++) columns[c].Append(batch.Columns[c], offset, take, rows);
                    rows += take;
                    offset += take;
                    if (rows == RowGroupSize)
                    {
                        await WriteGroupAsync(writer, fields, columns, rows, cancellationToken);
                        rows = 0;
                        await pending.DrainAsync(output, cancellationToken);
                    }
                }
            }
            if (rows > 0 || pending.Length <= 4) await WriteGroupAsync(writer, fields, columns, rows, cancellationToken);
        }
        await pending.DrainAsync(output, cancellationToken);
    }

    private static async Task WriteGroupAsync(ParquetWriter writer, DataField[] fields, ColumnBuffer[] columns, int rows, CancellationToken ct)
    {
        using var group = writer.CreateRowGroup();
        for (var c = 0; c < fields.Length; c++) await columns[c].WriteAsync(group, fields[c], rows, ct);
    }

    private static DataField Field(ResultColumn column) => column.Type switch
    {
        LadleType.Integer => new DataField<long?>(column.Name),
        LadleType.Double => new DataField<double?>(column.Name),
        LadleType.Decimal => new DecimalDataField(column.Name, 38, 10, isNullable: true),
        LadleType.Boolean => new DataField<bool?>(column.Name),
        LadleType.Date => new DataField<DateOnly?>(column.Name),
        LadleType.Timestamp => new DateTimeDataField(column.Name, DateTimeFormat.DateAndTime, isAdjustedToUTC: true, isNullable: true),
        _ => new DataField<string>(column.Name, true),
    };

    /// <summary>One column of the row group being gathered, in the nullable arrays Parquet.Net takes.</summary>
    private sealed class ColumnBuffer(LadleType type, int capacity)
    {
        private readonly long?[] _int64s = type == LadleType.Integer ? new long?[capacity] : [];
        private readonly double?[] _doubles = type == LadleType.Double ? new double?[capacity] : [];
        private readonly decimal?[] _decimals = type == LadleType.Decimal ? new decimal?[capacity] : [];
        private readonly bool?[] _booleans = type == LadleType.Boolean ? new bool?[capacity] : [];
        private readonly DateOnly?[] _dates = type == LadleType.Date ? new DateOnly?[capacity] : [];
        private readonly DateTime?[] _timestamps = type == LadleType.Timestamp ? new DateTime?[capacity] : [];
        private readonly string?[] _strings = type == LadleType.String ? new string?[capacity] : [];

        public void Append(ColumnVector v, int from, int count, int at)
        {
            var nulls = v.Nulls;
            switch (type)
            {
                case LadleType.Integer: for (var i = 0; i < count; i++) _int64s[at + i] = nulls[from + i] ? null : v.Int64s[from + i]; break;
                case LadleType.Double: for (var i = 0; i < count; i++) _doubles[at + i] = nulls[from + i] ? null : v.Doubles[from + i]; break;
                case LadleType.Decimal: for (var i = 0; i < count; i++) _decimals[at + i] = nulls[from + i] ? null : v.Decimals[from + i]; break;
                case LadleType.Boolean: for (var i = 0; i < count; i++) _booleans[at + i] = nulls[from + i] ? null : v.Booleans[from + i]; break;
                case LadleType.Date: for (var i = 0; i < count; i++) _dates[at + i] = nulls[from + i] ? null : v.Dates[from + i]; break;
                case LadleType.Timestamp:
                    for (var i = 0; i < count; i++) _timestamps[at + i] = nulls[from + i] ? null : DateTime.SpecifyKind(v.Timestamps[from + i], DateTimeKind.Utc);
                    break;
                default: for (var i = 0; i < count; i++) _strings[at + i] = nulls[from + i] ? null : v.Strings[from + i]; break;
            }
        }

        public Task WriteAsync(ParquetRowGroupWriter group, DataField field, int rows, CancellationToken ct) => type switch
        {
            LadleType.Integer => group.WriteAsync<long>(field, _int64s.AsMemory(0, rows), null, null, ct),
            LadleType.Double => group.WriteAsync<double>(field, _doubles.AsMemory(0, rows), null, null, ct),
            LadleType.Decimal => group.WriteAsync<decimal>(field, _decimals.AsMemory(0, rows), null, null, ct),
            LadleType.Boolean => group.WriteAsync<bool>(field, _booleans.AsMemory(0, rows), null, null, ct),
            LadleType.Date => group.WriteAsync<DateOnly>(field, _dates.AsMemory(0, rows), null, null, ct),
            LadleType.Timestamp => group.WriteAsync<DateTime>(field, _timestamps.AsMemory(0, rows), null, null, ct),
            _ => group.WriteAsync(field, new ArraySegment<string>(_strings!, 0, rows), null),
        };
    }
}
