using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>API tokens (<see cref="ITokenStore"/>) in the <c>tokens</c> table.</summary>
public sealed partial class SqliteStateStore
{
    public Task AddTokenAsync(TokenRecord token, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO tokens (id, principal, salt, hash, created_at, expires_at, description, scram_verifier) VALUES ($id, $principal, $salt, $hash, $created, $expires, $description, $scram)",
            cancellationToken,
            ("$id", token.Id), ("$principal", token.Principal), ("$salt", token.Salt), ("$hash", token.Hash), ("$created", Format(token.CreatedAt)),
            ("$expires", token.ExpiresAt is { } e ? Format(e) : null), ("$description", token.Description), ("$scram", token.ScramVerifier));

    public async Task<TokenRecord?> FindTokenAsync(string id, CancellationToken cancellationToken) =>
        (await QueryTokensAsync("SELECT id, principal, salt, hash, created_at, expires_at, revoked_at, last_used_at, description, scram_verifier FROM tokens WHERE id = $id", cancellationToken, ("$id", id))).FirstOrDefault();

    public Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken) =>
        QueryTokensAsync("SELECT id, principal, salt, hash, created_at, expires_at, revoked_at, last_used_at, description, scram_verifier FROM tokens ORDER BY created_at DESC, id DESC", cancellationToken);

    public async Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE tokens SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$at", Format(at));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE tokens SET last_used_at = $at WHERE id = $id", cancellationToken, ("$id", id), ("$at", Format(at)));

    private async Task<IReadOnlyList<TokenRecord>> QueryTokensAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var tokens = new List<TokenRecord>();
        while (await reader.ReadAsync(ct))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : DateTimeOffset.Parse(reader.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            tokens.Add(new TokenRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), At(4)!.Value, At(5), At(6), At(7),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
        }
        return tokens;
    }
}
