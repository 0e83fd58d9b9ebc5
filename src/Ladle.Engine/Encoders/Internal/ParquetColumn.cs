using System.Buffers;
using Ladle.Core.Model;
using Ladle.Engine.Results;
using Parquet;
using Parquet.Schema;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// One column of the row group being gathered for a Parquet file: the definition levels (which rows are
/// null) and the non-null values packed densely, the shape Parquet.Net writes without converting.
/// </summary>
internal abstract class ParquetColumn : IDisposable
{
    // Every Ladle column is a top-level optional field: level 1 means present, 0 means null.
    protected const int Present = 1;
    protected const int Null = 0;

    private int[] _levels;

    protected ParquetColumn(DataField field, int capacity)
    {
        Field = field;
        Capacity = capacity;
        _levels = ArrayPool<int>.Shared.Rent(capacity);
    }

    public DataField Field { get; }

    /// <summary>Rows the column can gather before it must be written.</summary>
    public int Capacity { get; }

    /// <summary>Rows gathered since the last write.</summary>
    public int Rows { get; private set; }

    protected ReadOnlyMemory<int> WrittenLevels => new(_levels, 0, Rows);

    /// <summary>The Parquet field for a result column; every field is nullable.</summary>
    public static ParquetColumn Create(ResultColumn column, int capacity) => column.Type switch
    {
        LadleType.String => new ParquetStringColumn(new DataField(column.Name, typeof(string), isNullable: true), capacity),
        LadleType.Integer => new ParquetValueColumn<long>(new DataField(column.Name, typeof(long), isNullable: true), capacity, v => v.Int64s),
        LadleType.Double => new ParquetValueColumn<double>(new DataField(column.Name, typeof(double), isNullable: true), capacity, v => v.Doubles),
        LadleType.Decimal => new ParquetDecimalColumn(ParquetDecimalColumn.CreateField(column.Name), capacity),
        LadleType.Boolean => new ParquetValueColumn<bool>(new DataField(column.Name, typeof(bool), isNullable: true), capacity, v => v.Booleans),
        LadleType.Date => new ParquetValueColumn<DateOnly>(new DataField(column.Name, typeof(DateOnly), isNullable: true), capacity, v => v.Dates),
        LadleType.Timestamp => new ParquetValueColumn<DateTime>(
            new DateTimeDataField(column.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true),
            capacity, v => v.Timestamps, MarkUtc),
        _ => throw new InvalidOperationException($"column '{column.Name}' has type {column.Type}, which the Parquet encoder does not know"),
    };

    /// <summary>
    /// An empty column for the same field, to gather the next row group while this one is written. It shares
    /// the field because Parquet.Net accepts only the field instances its schema was built from.
    /// </summary>
    public abstract ParquetColumn CreateTwin();

    /// <summary>Adds rows <paramref name="offset"/> to <paramref name="offset"/>+<paramref name="count"/> of a batch.</summary>
    public void Append(ColumnVector vector, int offset, int count)
    {
        AppendValues(vector, offset, count, _levels.AsSpan(Rows, count));
        Rows += count;
    }

    /// <summary>Writes the gathered rows as this column's chunk of <paramref name="group"/> and starts over.</summary>
    public async Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
    {
        await WriteValuesAsync(group, cancellationToken).ConfigureAwait(false);
        Rows = 0;
    }

    public virtual void Dispose()
    {
        if (_levels.Length > 0) ArrayPool<int>.Shared.Return(_levels);
        _levels = [];
    }

    /// <summary>Packs the non-null values and sets <paramref name="levels"/> (one per row).</summary>
    protected abstract void AppendValues(ColumnVector vector, int offset, int count, Span<int> levels);

    protected abstract Task WriteValuesAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken);

    // Ladle timestamps are UTC whatever their Kind; Parquet.Net would shift a Local one by the server's zone.
    private static void MarkUtc(Span<DateTime> values)
    {
        foreach (ref var value in values)
            if (value.Kind != DateTimeKind.Utc) value = DateTime.SpecifyKind(value, DateTimeKind.Utc);
    }
}
