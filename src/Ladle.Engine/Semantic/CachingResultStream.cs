using Ladle.Engine.Results;

namespace Ladle.Engine.Semantic;

/// <summary>
/// Passes a result through while copying its rows; once the last batch has been read, the copy becomes a cached
/// answer. An answer too big for the cache is passed through and not kept; one read only in part is not kept either.
/// </summary>
internal sealed class CachingResultStream(ResultStream inner, long maxBytes, Action<List<object?[]>, long> complete) : ResultStream(inner.Schema)
{
    private List<object?[]>? _rows = [];
    private long _bytes;

    public override async ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken)
    {
        var batch = await inner.ReadAsync(cancellationToken);
        RowsRead = inner.RowsRead;
        if (batch is null)
        {
            if (_rows is not null) complete(_rows, _bytes);
            _rows = null;
            return null;
        }
        if (_rows is not null)
        {
            for (var r = 0; r < batch.Count; r++)
            {
                var row = new object?[batch.Columns.Length];
                for (var c = 0; c < row.Length; c++) row[c] = batch.Columns[c].GetValue(r);
                _rows.Add(row);
                _bytes += MetricCache.SizeOf(row);
            }
            if (_bytes > maxBytes) _rows = null;
        }
        return batch;
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
