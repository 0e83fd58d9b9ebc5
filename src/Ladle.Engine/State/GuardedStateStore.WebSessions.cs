namespace Ladle.Engine.State;

/// <summary>Web UI sessions through the guard: a full disk is a <see cref="StorageFullException"/> like any other write.</summary>
internal sealed partial class GuardedStateStore
{
    public Task AddWebSessionAsync(WebSessionRecord session, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.AddWebSessionAsync(session, cancellationToken));

    public Task<WebSessionRecord?> FindWebSessionAsync(string hash, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.FindWebSessionAsync(hash, cancellationToken));

    public Task TouchWebSessionAsync(string hash, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.TouchWebSessionAsync(hash, at, cancellationToken), proves: false);

    public Task<bool> DeleteWebSessionAsync(string hash, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.DeleteWebSessionAsync(hash, cancellationToken), proves: false);

    public Task<int> DeleteWebSessionsOfTokenAsync(string tokenId, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.DeleteWebSessionsOfTokenAsync(tokenId, cancellationToken), proves: false);

    public Task<int> DeleteEndedWebSessionsAsync(DateTimeOffset now, DateTimeOffset idleSince, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.DeleteEndedWebSessionsAsync(now, idleSince, cancellationToken), proves: false);
}
