using Ladle.Core.Model;

namespace Ladle.Engine.Results;

/// <summary>A result held in memory: small answers (catalog-like queries) and tests.</summary>
public sealed class BatchListStream : ResultStream
{
    private readonly IReadOnlyList<object?[]> _rows;
    private readonly ColumnBatch _batch;
    private int _next;

    public BatchListStream(ResultSchema schema, IReadOnlyList<object?[]> rows, int batchSize = ColumnBatch.DefaultCapacity)
        : base(schema)
    {
        _rows = rows;
        _batch = new ColumnBatch(schema, batchSize);
    }

    public override ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_next >= _rows.Count) return ValueTask.FromResult<ColumnBatch?>(null);
        var count = Math.Min(_batch.Capacity, _rows.Count - _next);
        for (var r = 0; r < count; r++)
        {
            var row = _rows[_next + r];
            for (var c = 0; c < _batch.Columns.Length; c++) Set(_batch.Columns[c], r, row[c]);
        }
        _batch.Count = count;
        _next += count;
        RowsRead += count;
        return ValueTask.FromResult<ColumnBatch?>(_batch);
    }

    private static void Set(ColumnVector v, int r, object? value)
    {
        v.Nulls[r] = value is null or DBNull;
        if (v.Nulls[r]) return;
        switch (v.Type)
        {
            case LadleType.String: v.Strings[r] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case LadleType.Integer: v.Int64s[r] = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case LadleType.Double: v.Doubles[r] = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case LadleType.Decimal: v.Decimals[r] = Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case LadleType.Boolean: v.Booleans[r] = Convert.ToBoolean(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case LadleType.Date: v.Dates[r] = value is DateOnly d ? d : DateOnly.FromDateTime(Convert.ToDateTime(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case LadleType.Timestamp: v.Timestamps[r] = value is DateTimeOffset o ? o.UtcDateTime : Convert.ToDateTime(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }
    }
}
