using NpgsqlTypes;

namespace Ladle.Engine.State;

/// <summary>API tokens (<see cref="ITokenStore"/>) in the <c>tokens</c> table.</summary>
public sealed partial class PostgresStateStore
{
    private const string TokenColumns = "id, principal, salt, hash, created_at, expires_at, revoked_at, last_used_at, description, scram_verifier";

    public Task AddTokenAsync(TokenRecord token, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            INSERT INTO tokens (id, principal, salt, hash, created_at, expires_at, description, scram_verifier) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, cancellationToken,
            token.Id, token.Principal, token.Salt, token.Hash, token.CreatedAt,
            Typed(token.ExpiresAt is { } e ? StateTime.Utc(e) : null, NpgsqlDbType.TimestampTz),
            Typed(token.Description, NpgsqlDbType.Text), Typed(token.ScramVerifier, NpgsqlDbType.Text));

    public async Task<TokenRecord?> FindTokenAsync(string id, CancellationToken cancellationToken) =>
        (await QueryTokensAsync($"SELECT {TokenColumns} FROM tokens WHERE id = $1", cancellationToken, id)).FirstOrDefault();

    public Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken) =>
        // Tokens made at the same moment: the later id first, where SQLite's order would be undefined.
        QueryTokensAsync($"SELECT {TokenColumns} FROM tokens ORDER BY created_at DESC, id DESC", cancellationToken);

    public async Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ExecuteAndNotifyAsync("UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            new StateChange(StateChangeKind.Tokens, id), cancellationToken, id, at) == 1;

    public Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE tokens SET last_used_at = $2 WHERE id = $1", cancellationToken, id, at);

    private async Task<IReadOnlyList<TokenRecord>> QueryTokensAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var tokens = new List<TokenRecord>();
        while (await reader.ReadAsync(ct))
            tokens.Add(new TokenRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), At(reader, 4),
                NullableAt(reader, 5), NullableAt(reader, 6), NullableAt(reader, 7), NullableString(reader, 8), NullableString(reader, 9)));
        return tokens;
    }
}
