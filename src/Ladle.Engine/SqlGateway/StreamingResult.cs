using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Sql;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// A governed statement's rows as DuckDB produces them (its streaming mode): the engine computes while the rows are
/// fetched, not before the first one, so each fetch is execution. A fetch therefore runs inside a read slot and on the
/// statement's clock, like the execution that opened the result; between fetches (the reader encodes, waits for a slow
/// client, or sits at an Execute's row limit) it holds no slot and the statement timeout does not count. DuckDB keeps
/// only a small buffer ahead of the reader, so a result of any size takes bounded memory, and a reader that stops
/// reading stops the engine.
/// </summary>
internal sealed class StreamingResult(DbResultStream rows, StatementGuard guard, ReadScheduler? reads) : ResultStream(rows.Schema)
{
    public override async ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken)
    {
        IDisposable? slot = null;
        try
        {
            if (reads is not null) slot = await reads.EnterAsync(guard.Token);
            guard.Resume();
            // The guard's token carries the caller's cancellation and the timeout: either stops the reading loop too.
            var batch = await rows.ReadAsync(guard.Token);
            RowsRead = rows.RowsRead;
            return batch;
        }
        catch (Exception) when (guard.Stopped && guard.Explain() is { } stopped)
        {
            // Interrupted by the guard: the caller's cancellation, or the timeout as its own error, not the engine's words.
            throw stopped;
        }
        finally
        {
            guard.Pause();
            slot?.Dispose();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        // The reader owns the guard, command and connection (in that order) and the leases' release.
        try { await rows.DisposeAsync(); }
        finally { await base.DisposeAsync(); }
    }
}
