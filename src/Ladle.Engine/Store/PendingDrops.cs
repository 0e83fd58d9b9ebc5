namespace Ladle.Engine.Store;

/// <summary>
/// The drops of retired versions under way. A drop starts when the last reader of a version lets go, off that
/// reader's path; stopping waits for the drops in flight, so a stop never leaves a version half dropped (its table
/// gone, the state still listing it) nor races the disposal of the store and the state under a drop.
/// </summary>
internal sealed class PendingDrops
{
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _running = [];
    private bool _closed;

    /// <summary>Drops under way now.</summary>
    public int Count
    {
        get { lock (_lock) return _running.Count; }
    }

    /// <summary>
    /// Starts <paramref name="drop"/> on the thread pool; false (and nothing runs) once <see cref="DrainAsync"/> has begun:
    /// the version then stays retired in the state, and the next start drops it.
    /// </summary>
    public bool Start(Func<Task> drop)
    {
        lock (_lock)
        {
            if (_closed) return false;
            var task = Task.Run(drop);
            _running.Add(task);
            _ = task.ContinueWith(Forget, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return true;
        }
    }

    /// <summary>Refuses new drops and waits for those under way (their failures are the drops' own to log).</summary>
    public async Task DrainAsync()
    {
        Task[] running;
        lock (_lock)
        {
            _closed = true;
            running = [.. _running];
        }
        try
        {
            await Task.WhenAll(running);
        }
        catch (Exception)
        {
            // Each drop logs its own failure; stopping goes on.
        }
    }

    private void Forget(Task task)
    {
        lock (_lock) _running.Remove(task);
    }
}
