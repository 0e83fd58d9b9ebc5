namespace Ladle.Engine.Results;

/// <summary>A result that also holds something to release when it is disposed (a version lease).</summary>
internal sealed class OwnedResultStream(ResultStream inner, IDisposable? owned) : ResultStream(inner.Schema)
{
    public override async ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken)
    {
        var batch = await inner.ReadAsync(cancellationToken);
        RowsRead = inner.RowsRead;
        return batch;
    }

    public override async ValueTask DisposeAsync()
    {
        try { await inner.DisposeAsync(); }
        finally
        {
            owned?.Dispose();
            await base.DisposeAsync();
        }
    }
}
