namespace Ladle.Server.Postgres;

/// <summary>
/// A statement's statement_timeout that counts execution only: it is paused while the portal sits suspended at an
/// Execute's row limit (or described and not yet executed), and resumes with the time that was left.
/// </summary>
internal sealed class PgStatementTimer : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private TimeSpan _left;
    private long _since;
    private bool _paused;

    public PgStatementTimer(TimeSpan timeout, TimeProvider clock)
    {
        _clock = clock;
        _left = timeout;
        _since = clock.GetTimestamp();
        _source = new CancellationTokenSource(timeout, clock);
    }

    /// <summary>Cancelled once the statement ran for the whole timeout.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True when the timeout has fired.</summary>
    public bool Fired => _source.IsCancellationRequested;

    /// <summary>The statement waits for the client: the time from now on does not count.</summary>
    public void Pause()
    {
        lock (_lock)
        {
            if (_paused || _source.IsCancellationRequested) return;
            _left -= _clock.GetElapsedTime(_since);
            _paused = true;
            if (_left > TimeSpan.Zero) _source.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The statement runs again, for what is left of its timeout.</summary>
    public void Resume()
    {
        lock (_lock)
        {
            if (!_paused || _source.IsCancellationRequested) return;
            _paused = false;
            _since = _clock.GetTimestamp();
            _source.CancelAfter(_left > TimeSpan.Zero ? _left : TimeSpan.Zero);
        }
    }

    public void Dispose() => _source.Dispose();
}
