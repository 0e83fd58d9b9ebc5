namespace Ladle.Engine.Results;

/// <summary>
/// Rows coming out of an engine as typed column batches, read one batch at a time so that a
/// result of any size never sits whole in memory. Dispose releases the query and its version lease.
/// </summary>
public abstract class ResultStream : IAsyncDisposable
{
    protected ResultStream(ResultSchema schema) => Schema = schema;

    public ResultSchema Schema { get; }

    /// <summary>Which published data the rows come from (null for live datasets read from their source).</summary>
    public DataVersion? Version { get; init; }

    /// <summary>Rows handed out so far.</summary>
    public long RowsRead { get; protected set; }

    /// <summary>
    /// The next batch, or null at the end. The returned batch is reused by the next call:
    /// consume it before asking for another.
    /// </summary>
    public abstract ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The published version a result was read from, as stated in every response.</summary>
public sealed record DataVersion(string Dataset, long Version, DateTimeOffset PublishedAt);
