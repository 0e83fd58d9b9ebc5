using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>Web UI sign-in sessions (<see cref="IWebSessionStore"/>) in the <c>web_sessions</c> table.</summary>
public sealed partial class SqliteStateStore
{
    private const string WebSessionSchema = """
        CREATE TABLE IF NOT EXISTS web_sessions (
            hash         TEXT PRIMARY KEY,
            token_id     TEXT NOT NULL,
            principal    TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            expires_at   TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS web_sessions_token ON web_sessions (token_id);
        """;

    private static async Task InitializeWebSessionsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = WebSessionSchema;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task AddWebSessionAsync(WebSessionRecord session, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO web_sessions (hash, token_id, principal, created_at, last_seen_at, expires_at) VALUES ($hash, $token, $principal, $created, $seen, $expires)",
            cancellationToken, ("$hash", session.Hash), ("$token", session.TokenId), ("$principal", session.Principal), ("$created", Format(session.CreatedAt)),
            ("$seen", Format(session.LastSeenAt)), ("$expires", Format(session.ExpiresAt)));

    public async Task<WebSessionRecord?> FindWebSessionAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT hash, token_id, principal, created_at, last_seen_at, expires_at FROM web_sessions WHERE hash = $hash";
        command.Parameters.AddWithValue("$hash", hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new WebSessionRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
            Parse(reader, "created_at")!.Value, Parse(reader, "last_seen_at")!.Value, Parse(reader, "expires_at")!.Value);
    }

    public Task TouchWebSessionAsync(string hash, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE web_sessions SET last_seen_at = $at WHERE hash = $hash AND last_seen_at < $at", cancellationToken, ("$hash", hash), ("$at", Format(at)));

    public async Task<bool> DeleteWebSessionAsync(string hash, CancellationToken cancellationToken) =>
        await WebSessionChangesAsync("DELETE FROM web_sessions WHERE hash = $hash", cancellationToken, ("$hash", hash)) == 1;

    public Task<int> DeleteWebSessionsOfTokenAsync(string tokenId, CancellationToken cancellationToken) =>
        WebSessionChangesAsync("DELETE FROM web_sessions WHERE token_id = $token", cancellationToken, ("$token", tokenId));

    public Task<int> DeleteEndedWebSessionsAsync(DateTimeOffset now, DateTimeOffset idleSince, CancellationToken cancellationToken) =>
        WebSessionChangesAsync("DELETE FROM web_sessions WHERE expires_at <= $now OR last_seen_at <= $idle", cancellationToken, ("$now", Format(now)), ("$idle", Format(idleSince)));

    private async Task<int> WebSessionChangesAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
