using System.Collections.Concurrent;
using System.Security.Cryptography;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Engine.State;

namespace Ladle.Engine.Access;

/// <summary>
/// API tokens: <c>ldl_&lt;id&gt;_&lt;secret&gt;</c>. The id finds the record; only a salted SHA-256 of the 256-bit random
/// secret is stored, so the state store never holds a usable token. Every request checks the record, so a
/// revocation takes effect on the next request.
/// </summary>
public sealed class TokenService(ProjectDefinition project, ITokenStore state, TimeProvider? clock = null)
{
    private const string Prefix = "ldl_";
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The salts of the SCRAM verifiers made with each token.</summary>
    public ScramSalts Salts { get; } = new(Path.GetDirectoryName(project.StatePath)!);

    /// <summary>True when the text has the shape of a Ladle API token.</summary>
    /// <summary>True when <paramref name="name"/> is a principal of access.yaml (who must then sign in, even where --dev trusts the rest).</summary>
    public bool IsPrincipal(string name) => project.Access.Principals.ContainsKey(name);

    public static bool LooksLikeToken(string text) => text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Issues a token for a principal of access.yaml; the secret is returned once and never again.</summary>
    public async Task<(string Token, TokenRecord Record)> CreateAsync(string principal, TimeSpan? lifetime, string? description, CancellationToken ct)
    {
        if (!project.Access.Principals.TryGetValue(principal, out var definition))
            throw new InvalidRequestException($"no principal '{principal}' in access.yaml ({Core.Loading.Suggest.Hint(principal, project.Access.Principals.Keys.ToList())})", "principal");
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var salt = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var now = _clock.GetUtcNow();
        var token = $"{Prefix}{id}_{secret}";
        // The wire protocol's password is the token; its verifier lets SCRAM check it without the token crossing the wire.
        var verifier = Protocol.Postgres.Scram.ScramVerifier.Create(token, salt: Salts.For(definition.Name)).ToString();
        var record = new TokenRecord(id, definition.Name, salt, Hash(salt, secret), now, lifetime is { } l ? now + l : null, null, null, description, verifier);
        await state.AddTokenAsync(record, ct);
        return (token, record);
    }

    /// <summary>The principal a token stands for, or 401 saying why not.</summary>
    public async Task<Principal> ValidateAsync(string token, CancellationToken ct)
    {
        var parts = token.Split('_');
        if (parts.Length != 3 || parts[0] != "ldl" || parts[1].Length != 12)
            throw new UnauthorizedException("the bearer token is not a Ladle token");
        var record = await state.FindTokenAsync(parts[1], ct);
        // Compare in constant time, so timing says nothing about how close a guess was; an unknown id costs the same
        // hash and gets the same answer as a wrong secret, so nothing says which token ids exist.
        var expected = System.Text.Encoding.ASCII.GetBytes(record?.Hash ?? UnknownHash);
        var matches = CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Hash(record?.Salt ?? UnknownSalt, parts[2])), expected);
        if (record is null || !matches) throw new UnauthorizedException(InvalidToken);
        return await PrincipalOfAsync(record, ct);
    }

    /// <summary>The public id of a token that has the shape of one (<c>ldl_&lt;id&gt;_&lt;secret&gt;</c>), or null.</summary>
    public static string? IdOf(string token) => token.Split('_') is ["ldl", { Length: 12 } id, _] ? id : null;

    /// <summary>The tokens of <paramref name="principal"/> that carry a SCRAM verifier, whatever their state (checked once one matches).</summary>
    public async Task<IReadOnlyList<TokenRecord>> ScramTokensAsync(string principal, CancellationToken ct) =>
        (await state.ListTokensAsync(ct)).Where(t => t.ScramVerifier is not null && string.Equals(t.Principal, principal, StringComparison.Ordinal)).ToList();

    /// <summary>The principal a token proven by its holder stands for, or 401 when it is revoked, expired or its principal is gone.</summary>
    public async Task<Principal> PrincipalOfAsync(TokenRecord record, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        if (record.RevokedAt is { } revoked) throw new UnauthorizedException($"the token was revoked at {revoked.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
        if (record.ExpiresAt is { } expires && expires <= now) throw new UnauthorizedException($"the token expired at {expires.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
        if (!project.Access.Principals.TryGetValue(record.Principal, out var definition))
            throw new UnauthorizedException($"the token's principal '{record.Principal}' is no longer in access.yaml");
        if (!_touched.TryGetValue(record.Id, out var last) || now - last > TouchEvery)
        {
            _touched[record.Id] = now;
            // The last use only feeds access reports: a full disk must not turn every request away.
            try { await state.TouchTokenAsync(record.Id, now, ct); }
            catch (State.StorageFullException) { }
        }
        return new Principal(definition.Name, definition.Attributes) { Method = AuthMethod.Token };
    }

    /// <summary>The one answer for a token id that does not exist and for a wrong secret.</summary>
    public const string InvalidToken = "invalid token: it is not a token of this project, or its secret is wrong (create one with 'ladle tokens create --principal NAME')";

    private static readonly string UnknownSalt = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    private static readonly string UnknownHash = Hash(UnknownSalt, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));

    private static string Hash(string salt, string secret) =>
        Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(salt + ":" + secret))).ToLowerInvariant();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '.');
}
