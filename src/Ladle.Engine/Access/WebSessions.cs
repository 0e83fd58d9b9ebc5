using System.Collections.Concurrent;
using System.Security.Cryptography;
using Ladle.Core.Errors;
using Ladle.Core.Policy;
using Ladle.Engine.State;

namespace Ladle.Engine.Access;

/// <summary>How long a web UI session lasts: <see cref="Idle"/> without use, <see cref="Absolute"/> at most.</summary>
public sealed record WebSessionLifetime(TimeSpan Idle, TimeSpan Absolute)
{
    /// <summary>Twelve hours without use, seven days at most.</summary>
    public static WebSessionLifetime Default { get; } = new(TimeSpan.FromHours(12), TimeSpan.FromDays(7));
}

/// <summary>
/// The web UI's sign-in sessions. Signing in with an API token opens one: the browser's cookie holds a random
/// 256-bit secret (<c>lds_…</c>), the state store only its SHA-256, bound to the token's id and principal. A session
/// ends on sign-out, after <see cref="WebSessionLifetime.Idle"/> without use, at its absolute expiry, and as soon as its
/// token is revoked or expires (checked on every request). The secret is not a bearer token: the API accepts it only
/// as the cookie, on requests this site's pages make.
/// </summary>
public sealed class WebSessions(TokenService tokens, ITokenStore tokenStore, IWebSessionStore store, WebSessionLifetime? lifetime = null, TimeProvider? clock = null)
{
    private const string Prefix = "lds_";
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>How long sessions last.</summary>
    public WebSessionLifetime Lifetime { get; } = lifetime ?? WebSessionLifetime.Default;

    /// <summary>True when the text has the shape of a session secret (a cookie's value).</summary>
    public static bool LooksLikeSession(string text) => text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// Opens a session for an API token already proven to stand for <paramref name="principal"/>; answers the secret
    /// for the cookie (returned once, never stored) and the session as stored.
    /// </summary>
    public async Task<(string Secret, WebSessionRecord Session)> OpenAsync(string token, Principal principal, CancellationToken ct)
    {
        var tokenId = TokenService.IdOf(token) ?? throw new UnauthorizedException("that is not a Ladle API token (they start with 'ldl_')");
        var now = _clock.GetUtcNow();
        // Ended sessions go as new ones come, so the table holds live sessions and a few stale ones at most.
        await store.DeleteEndedWebSessionsAsync(now, now - Lifetime.Idle, ct);
        ForgetIdle(now);
        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var session = new WebSessionRecord(Hash(secret), tokenId, principal.Name, now, now, now + Lifetime.Absolute);
        await store.AddWebSessionAsync(session, ct);
        return (secret, session);
    }

    /// <summary>The principal a session's secret stands for, or 401 saying why the session no longer counts.</summary>
    public async Task<Principal> ValidateAsync(string secret, CancellationToken ct)
    {
        if (!LooksLikeSession(secret)) throw new UnauthorizedException("the sign-in cookie is not a session of this server: sign in again");
        var hash = Hash(secret);
        var session = await store.FindWebSessionAsync(hash, ct);
        if (session is null)
        {
            _touched.TryRemove(hash, out _);
            throw new UnauthorizedException("the sign-in session has ended (signed out, or unknown to this server): sign in again");
        }
        var now = _clock.GetUtcNow();
        if (session.ExpiresAt <= now)
            throw Ended(hash, $"the sign-in session expired at {session.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z (sessions last {Describe(Lifetime.Absolute)} at most): sign in again");
        var lastSeen = _touched.TryGetValue(hash, out var touched) && touched > session.LastSeenAt ? touched : session.LastSeenAt;
        if (lastSeen + Lifetime.Idle <= now)
            throw Ended(hash, $"the sign-in session ended after {Describe(Lifetime.Idle)} without use: sign in again");
        // The token it was opened with still decides: revoked, expired or its principal gone, and the session is over.
        var token = await tokenStore.FindTokenAsync(session.TokenId, ct)
            ?? throw Ended(hash, "the token this session was opened with no longer exists: sign in again");
        Principal principal;
        try
        {
            principal = await tokens.PrincipalOfAsync(token, ct);
        }
        catch (UnauthorizedException e)
        {
            await store.DeleteWebSessionsOfTokenAsync(session.TokenId, ct);
            throw Ended(hash, $"the sign-in session ended: {e.Message}");
        }
        if (now - lastSeen > TouchEvery)
        {
            _touched[hash] = now;
            // The last use keeps the session alive; a full disk must not sign everyone out at once.
            try { await store.TouchWebSessionAsync(hash, now, ct); }
            catch (StorageFullException) { }
        }
        return principal;
    }

    /// <summary>Ends a session (sign-out); a secret that is no session ends nothing.</summary>
    public async Task EndAsync(string secret, CancellationToken ct)
    {
        if (!LooksLikeSession(secret)) return;
        var hash = Hash(secret);
        _touched.TryRemove(hash, out _);
        await store.DeleteWebSessionAsync(hash, ct);
    }

    /// <summary>How many sessions this node remembers a recent use of (a use not yet written to the store).</summary>
    internal int RememberedUses => _touched.Count;

    /// <summary>A session found ended forgets its last use here too, so the memory holds live sessions only.</summary>
    private UnauthorizedException Ended(string hash, string reason)
    {
        _touched.TryRemove(hash, out _);
        return new UnauthorizedException(reason);
    }

    /// <summary>
    /// Forgets the uses of sessions idle for longer than a session may be (they have ended whether or not anyone
    /// presents them again): without this, a long-running server kept one entry for every session ever used.
    /// </summary>
    private void ForgetIdle(DateTimeOffset now)
    {
        foreach (var (hash, touched) in _touched)
            if (touched + Lifetime.Idle <= now) _touched.TryRemove(KeyValuePair.Create(hash, touched));
    }

    /// <summary>The SHA-256 of a secret: 256 random bits need no salt, and a lookup by it stays one index probe.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));

    private static string Describe(TimeSpan span) => span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays:0} day(s)"
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours:0} hour(s)" : $"{span.TotalMinutes:0} minute(s)";
}
