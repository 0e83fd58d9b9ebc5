using System.Data.Common;
using Ladle.Core.Errors;

namespace Ladle.Engine.Sql;

/// <summary>
/// Stops one statement in the engine that runs it, when the caller cancels (the HTTP client went away) or when it
/// runs past the statement timeout. DuckDB.NET and SQLite are synchronous: a cancellation token alone would only
/// stop our reading, never the query, so the command is interrupted (<see cref="DbCommand.Cancel"/>).
/// </summary>
internal sealed class StatementGuard : IAsyncDisposable
{
    private readonly CancellationToken _caller;
    private readonly CancellationTokenSource _stop;
    private readonly TimeSpan _timeout;
    private readonly bool _bounded;
    private readonly Lock _lock = new();
    private CancellationTokenRegistration _registration;
    private TimeSpan _left;
    private long _since;
    private bool _paused;

    public StatementGuard(CancellationToken caller, TimeSpan timeout)
    {
        _caller = caller;
        _timeout = timeout;
        _left = timeout;
        _since = System.Diagnostics.Stopwatch.GetTimestamp();
        _stop = CancellationTokenSource.CreateLinkedTokenSource(caller);
        _bounded = timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan;
        if (_bounded) _stop.CancelAfter(timeout);
    }

    /// <summary>Cancelled when the caller cancels or the timeout passes.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>True once the statement was stopped (interrupted or about to be), by the caller or the timeout; readable after disposal.</summary>
    public bool Stopped => _stop.IsCancellationRequested;

    /// <summary>True when the timeout, not the caller, stopped the statement.</summary>
    public bool TimedOut => _stop.IsCancellationRequested && !_caller.IsCancellationRequested;

    /// <summary>Interrupts <paramref name="command"/> when stopped; registered before it starts, so a long statement can be stopped while it runs.</summary>
    public void Interrupt(DbCommand command)
    {
        _registration = _stop.Token.Register(static c =>
        {
            try { ((DbCommand)c!).Cancel(); }
            catch (DbException) { /* already finished */ }
            catch (InvalidOperationException) { /* already closed */ }
        }, command);
        _stop.Token.ThrowIfCancellationRequested();
    }

    /// <summary>The statement has executed: from here only the caller stops the reading of its rows, not the clock.</summary>
    public void Disarm()
    {
        if (!_stop.IsCancellationRequested) _stop.CancelAfter(Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The engine waits for the reader of a streaming result (the client is slow, or a portal is suspended): the time
    /// from now on does not count against the timeout, so a slow client is never taken for a slow statement.
    /// </summary>
    public void Pause()
    {
        if (!_bounded) return;
        lock (_lock)
        {
            if (_paused || _stop.IsCancellationRequested) return;
            _left -= System.Diagnostics.Stopwatch.GetElapsedTime(_since);
            _paused = true;
            if (_left > TimeSpan.Zero) _stop.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The engine works on the statement again (the next rows are fetched), for what is left of its timeout.</summary>
    public void Resume()
    {
        if (!_bounded) return;
        lock (_lock)
        {
            if (!_paused || _stop.IsCancellationRequested) return;
            _paused = false;
            _since = System.Diagnostics.Stopwatch.GetTimestamp();
            _stop.CancelAfter(_left > TimeSpan.Zero ? _left : TimeSpan.Zero);
        }
    }

    /// <summary>Stops the statement now (the reader of its output failed).</summary>
    public Task CancelAsync() => _stop.CancelAsync();

    /// <summary>
    /// What a failure of a stopped statement means: the caller's cancellation, or a timeout as a clear error;
    /// null when the statement was not stopped by this guard.
    /// </summary>
    public Exception? Explain() =>
        _caller.IsCancellationRequested ? new OperationCanceledException(_caller)
        : TimedOut ? new StatementTimeoutException(_timeout)
        : null;

    /// <summary>Runs blocking engine work on a thread of its own, never on a thread-pool thread that requests need.</summary>
    public static Task<T> Dedicated<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);

    public async ValueTask DisposeAsync()
    {
        await _registration.DisposeAsync();
        _stop.Dispose();
    }
}
