using System.Buffers;
using System.Numerics;
using Ladle.Engine.Results;
using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// A Parquet decimal column of <see cref="ParquetEncoder.DecimalPrecision"/> digits, <see cref="ParquetEncoder.DecimalScale"/>
/// of them after the point. Given <see cref="decimal"/>s, Parquet.Net converts each through several BigInteger
/// operations; this column hands it the unscaled integers instead, computed with 128-bit arithmetic, which
/// makes decimal columns several times cheaper to write.
/// </summary>
internal sealed class ParquetDecimalColumn : ParquetColumn
{
    // 10^0 to 10^19: a decimal's scale is at most 28, so it is never more than 19 away from ours.
    private static readonly ulong[] PowersOfTen = Enumerable.Range(0, 20).Select(e => (ulong)BigInteger.Pow(10, e)).ToArray();

    private BigDecimal[] _values;
    private int _count;

    public ParquetDecimalColumn(DataField field, int capacity) : base(field, capacity)
    {
        _values = ArrayPool<BigDecimal>.Shared.Rent(capacity);
    }

    /// <summary>DECIMAL(38,9) stored as 16-byte big-endian integers, as Parquet.Net writes <see cref="BigDecimal"/>s.</summary>
    public static DataField CreateField(string name) =>
        new BigDecimalDataField(name, ParquetEncoder.DecimalPrecision, ParquetEncoder.DecimalScale, isNullable: true);

    /// <summary>
    /// The value scaled to <see cref="ParquetEncoder.DecimalScale"/> places, digits beyond rounded half away from zero.
    /// Never overflows: a decimal's 96-bit coefficient times 10^9 fits in 127 bits and in 38 digits.
    /// </summary>
    public static BigDecimal ToBigDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var coefficient = ((UInt128)(uint)bits[2] << 64) | ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
        var scale = (bits[3] >> 16) & 0xFF;
        if (scale <= ParquetEncoder.DecimalScale)
        {
            coefficient *= PowersOfTen[ParquetEncoder.DecimalScale - scale];
        }
        else
        {
            var divisor = PowersOfTen[scale - ParquetEncoder.DecimalScale];
            var remainder = coefficient % divisor;
            coefficient /= divisor;
            if (remainder >= divisor - remainder) coefficient++;
        }
        var unscaled = bits[3] < 0 ? -(Int128)coefficient : (Int128)coefficient;
        return new BigDecimal((BigInteger)unscaled, ParquetEncoder.DecimalPrecision, ParquetEncoder.DecimalScale);
    }

    public override ParquetColumn CreateTwin() => new ParquetDecimalColumn(Field, Capacity);

    public override void Dispose()
    {
        // Cleared so the pool does not keep a request's BigIntegers alive.
        if (_values.Length > 0) ArrayPool<BigDecimal>.Shared.Return(_values, clearArray: true);
        _values = [];
        base.Dispose();
    }

    protected override void AppendValues(ColumnVector vector, int offset, int count, Span<int> levels)
    {
        var nulls = vector.Nulls.AsSpan(offset, count);
        var source = vector.Decimals.AsSpan(offset, count);
        for (var i = 0; i < count; i++)
        {
            if (nulls[i])
            {
                levels[i] = Null;
                continue;
            }
            levels[i] = Present;
            _values[_count++] = ToBigDecimal(source[i]);
        }
    }

    protected override async Task WriteValuesAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
    {
        await group.WriteAllPartsAsync(Field, new ReadOnlyMemory<BigDecimal>(_values, 0, _count), WrittenLevels, null, cancellationToken)
            .ConfigureAwait(false);
        _count = 0;
    }
}
