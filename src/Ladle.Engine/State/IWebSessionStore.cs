namespace Ladle.Engine.State;

/// <summary>
/// The web UI's sign-in sessions as stored: a hash of each session's secret (the cookie's value, never stored), the
/// API token it was opened with and when it was opened and last used. Several nodes sharing a state store share them.
/// </summary>
public interface IWebSessionStore
{
    /// <summary>Stores a new session.</summary>
    Task AddWebSessionAsync(WebSessionRecord session, CancellationToken cancellationToken);

    /// <summary>A session by the hash of its secret, or null.</summary>
    Task<WebSessionRecord?> FindWebSessionAsync(string hash, CancellationToken cancellationToken);

    /// <summary>Records that a session was used (its idle expiry counts from then).</summary>
    Task TouchWebSessionAsync(string hash, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Ends a session (sign-out); false when there was none.</summary>
    Task<bool> DeleteWebSessionAsync(string hash, CancellationToken cancellationToken);

    /// <summary>Ends every session opened with a token (the token was revoked); answers how many.</summary>
    Task<int> DeleteWebSessionsOfTokenAsync(string tokenId, CancellationToken cancellationToken);

    /// <summary>Removes sessions past their absolute expiry or unused since <paramref name="idleSince"/>; answers how many.</summary>
    Task<int> DeleteEndedWebSessionsAsync(DateTimeOffset now, DateTimeOffset idleSince, CancellationToken cancellationToken);
}
