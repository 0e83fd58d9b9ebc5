using Ladle.Core.Model;
using Ladle.Engine.Results;

namespace Ladle.Engine.Tests.Encoders;

/// <summary>A long result of one integer column made on the fly, for limits no list of rows should hold.</summary>
internal sealed class GeneratedResult : ResultStream
{
    private readonly long _rows;
    private readonly ColumnBatch _batch;

    public GeneratedResult(long rows) : base(new ResultSchema([new ResultColumn("n", LadleType.Integer)]))
    {
        _rows = rows;
        _batch = new ColumnBatch(Schema);
    }

    public override ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken)
    {
        if (RowsRead >= _rows) return ValueTask.FromResult<ColumnBatch?>(null);
        var count = (int)Math.Min(_batch.Capacity, _rows - RowsRead);
        var values = _batch.Columns[0].Int64s;
        for (var i = 0; i < count; i++) values[i] = RowsRead + i;
        _batch.Count = count;
        RowsRead += count;
        return ValueTask.FromResult<ColumnBatch?>(_batch);
    }
}
