namespace Ladle.Engine.Sources;

/// <summary>
/// Slots for statements executing in the embedded engines (the store, DuckDB and SQLite sources), sized to the cores
/// (<c>server.max_concurrent_reads</c>). Each statement executes on a thread of its own (the SQL gateway's on its
/// caller's, which the slot then bounds) and DuckDB parallelizes it
/// further, so more at once than the cores only share them worse; requests beyond the slots wait in order, each within
/// its own cancellation and statement timeout. A slot is held while the statement executes (DuckDB computes the
/// whole result then), not while its rows stream to a client, so a slow reader never holds one.
/// </summary>
public sealed class ReadScheduler : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private int _waiting;

    /// <param name="slots">Statements that execute at once; at least 1.</param>
    public ReadScheduler(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = slots;
        _slots = new SemaphoreSlim(slots, slots);
    }

    /// <summary>Statements that may execute at once.</summary>
    public int Slots { get; }

    /// <summary>Statements waiting for a slot now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Statements executing now.</summary>
    public int Running => Slots - _slots.CurrentCount;

    /// <summary>
    /// Waits for a slot; the returned handle gives it back. A cancelled wait leaves the queue at once and throws
    /// <see cref="OperationCanceledException"/>: the statement's guard says whether the caller or the timeout stopped it.
    /// </summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (!_slots.Wait(0))
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                await _slots.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
