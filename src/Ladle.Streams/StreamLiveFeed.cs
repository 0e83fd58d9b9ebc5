namespace Ladle.Streams;

/// <summary>
/// How far a stream's windows dataset is published (the highest window number in its served version), and a way
/// to wait for more; live subscribers read the windows themselves through the read pipeline, so nothing is held here
/// per subscriber.
/// </summary>
public sealed class StreamLiveFeed
{
    private readonly object _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _subscribers;
    private long _dropped;

    /// <summary>The highest window number in the published version.</summary>
    public long PublishedSeq { get; private set; }

    public int Subscribers => (int)Interlocked.Read(ref _subscribers);

    public long Dropped => Interlocked.Read(ref _dropped);

    internal void Published(long seq)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (seq <= PublishedSeq && PublishedSeq != 0) return;
            PublishedSeq = seq;
            done = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult();
    }

    /// <summary>Completes once a version with windows past <paramref name="seq"/> is published.</summary>
    public async Task WaitBeyondAsync(long seq, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (PublishedSeq > seq) return;
                next = _next.Task;
            }
            await next.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Completes at the next publication, whatever it holds.</summary>
    public Task NextPublicationAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return _next.Task.WaitAsync(cancellationToken);
    }

    public void Subscribed() => Interlocked.Increment(ref _subscribers);

    public void Unsubscribed(bool dropped)
    {
        Interlocked.Decrement(ref _subscribers);
        if (dropped) Interlocked.Increment(ref _dropped);
    }
}
