namespace Ladle.Engine.State;

/// <summary>API tokens as stored: public ids and salted hashes, never secrets.</summary>
public interface ITokenStore
{
    /// <summary>Stores a new API token (its salted hash only).</summary>
    Task AddTokenAsync(TokenRecord token, CancellationToken cancellationToken);

    /// <summary>A token by its public id, or null.</summary>
    Task<TokenRecord?> FindTokenAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every token, newest first (without secrets: there are none to show).</summary>
    Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken);

    /// <summary>Revokes a token; returns false when there is no such live token.</summary>
    Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records when a token was last used (for access reports).</summary>
    Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken);
}
