using System.Buffers;
using Ladle.Engine.Results;
using Parquet;
using Parquet.Schema;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>A Parquet column of a fixed-size type, copied from the batch's typed array without boxing.</summary>
internal sealed class ParquetValueColumn<T> : ParquetColumn where T : struct
{
    private readonly Func<ColumnVector, T[]> _source;
    private readonly Normalizer? _normalize;
    private T[] _values;
    private int _count;

    public ParquetValueColumn(DataField field, int capacity, Func<ColumnVector, T[]> source, Normalizer? normalize = null)
        : base(field, capacity)
    {
        _source = source;
        _normalize = normalize;
        _values = ArrayPool<T>.Shared.Rent(capacity);
    }

    /// <summary>Adjusts freshly copied values in place before Parquet.Net sees them.</summary>
    public delegate void Normalizer(Span<T> values);

    public override ParquetColumn CreateTwin() => new ParquetValueColumn<T>(Field, Capacity, _source, _normalize);

    public override void Dispose()
    {
        if (_values.Length > 0) ArrayPool<T>.Shared.Return(_values);
        _values = [];
        base.Dispose();
    }

    protected override void AppendValues(ColumnVector vector, int offset, int count, Span<int> levels)
    {
        var nulls = vector.Nulls.AsSpan(offset, count);
        var source = _source(vector).AsSpan(offset, count);
        var first = _count;
        if (!nulls.Contains(true))
        {
            levels.Fill(Present);
            source.CopyTo(_values.AsSpan(_count));
            _count += count;
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                if (nulls[i])
                {
                    levels[i] = Null;
                    continue;
                }
                levels[i] = Present;
                _values[_count++] = source[i];
            }
        }
        _normalize?.Invoke(_values.AsSpan(first, _count - first));
    }

    protected override async Task WriteValuesAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
    {
        await group.WriteAllPartsAsync(Field, new ReadOnlyMemory<T>(_values, 0, _count), WrittenLevels, null, cancellationToken)
            .ConfigureAwait(false);
        _count = 0;
    }
}
