namespace Ladle.Engine.State;

/// <summary>Web UI sign-in sessions (<see cref="IWebSessionStore"/>) in the <c>web_sessions</c> table.</summary>
public sealed partial class PostgresStateStore
{
    public Task AddWebSessionAsync(WebSessionRecord session, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO web_sessions (hash, token_id, principal, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            cancellationToken, session.Hash, session.TokenId, session.Principal, session.CreatedAt, session.LastSeenAt, session.ExpiresAt);

    public async Task<WebSessionRecord?> FindWebSessionAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT hash, token_id, principal, created_at, last_seen_at, expires_at FROM web_sessions WHERE hash = $1", hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new WebSessionRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), At(reader, 3), At(reader, 4), At(reader, 5));
    }

    public Task TouchWebSessionAsync(string hash, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE web_sessions SET last_seen_at = $2 WHERE hash = $1 AND last_seen_at < $2", cancellationToken, hash, at);

    public async Task<bool> DeleteWebSessionAsync(string hash, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM web_sessions WHERE hash = $1", cancellationToken, hash) == 1;

    public Task<int> DeleteWebSessionsOfTokenAsync(string tokenId, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM web_sessions WHERE token_id = $1", cancellationToken, tokenId);

    public Task<int> DeleteEndedWebSessionsAsync(DateTimeOffset now, DateTimeOffset idleSince, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen_at <= $2", cancellationToken, now, idleSince);
}
