using System.Buffers;
using Ladle.Engine.Results;
using Parquet;
using Parquet.Schema;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// A Parquet string column. Parquet.Net takes strings as <see cref="ReadOnlyMemory{T}"/> of char, which
/// wraps each string without copying it.
/// </summary>
internal sealed class ParquetStringColumn : ParquetColumn
{
    private ReadOnlyMemory<char>[] _values;
    private int _count;

    public ParquetStringColumn(DataField field, int capacity) : base(field, capacity)
    {
        _values = ArrayPool<ReadOnlyMemory<char>>.Shared.Rent(capacity);
    }

    public override ParquetColumn CreateTwin() => new ParquetStringColumn(Field, Capacity);

    public override void Dispose()
    {
        // Cleared so the pool does not keep a request's strings alive.
        if (_values.Length > 0) ArrayPool<ReadOnlyMemory<char>>.Shared.Return(_values, clearArray: true);
        _values = [];
        base.Dispose();
    }

    protected override void AppendValues(ColumnVector vector, int offset, int count, Span<int> levels)
    {
        var nulls = vector.Nulls.AsSpan(offset, count);
        var source = vector.Strings.AsSpan(offset, count);
        for (var i = 0; i < count; i++)
        {
            if (nulls[i] || source[i] is not { } text)
            {
                levels[i] = Null;
                continue;
            }
            levels[i] = Present;
            _values[_count++] = text.AsMemory();
        }
    }

    protected override async Task WriteValuesAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
    {
        await group.WriteAllPartsAsync(Field, new ReadOnlyMemory<ReadOnlyMemory<char>>(_values, 0, _count), WrittenLevels, null, cancellationToken)
            .ConfigureAwait(false);
        _count = 0;
    }
}
