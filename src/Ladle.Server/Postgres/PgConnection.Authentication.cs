using System.Diagnostics;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Ladle.Engine.State;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;
using Ladle.Protocol.Postgres.Frontend;
using Ladle.Protocol.Postgres.Scram;

namespace Ladle.Server.Postgres;

/// <summary>
/// Authentication: the user is a principal of access.yaml and the password one of its API tokens. SCRAM-SHA-256
/// checks the proof against the verifiers kept with the principal's tokens (the token never crosses the wire);
/// cleartext, when configured, only inside TLS; --dev trusts loopback as the local owner (unless the user names a principal, who signs in). Every failure gives the
/// same answer (28P01), whether the user is unknown, the token wrong, another principal's or too old to have a
/// verifier, and is audited and counted against the address like REST's failed authentications.
/// </summary>
internal sealed partial class PgConnection
{
    private async Task<Principal?> AuthenticateAsync(string user, CancellationToken ct)
    {
        // As REST under --dev serves a request without a token as the owner and one with a token as its principal:
        // a principal of access.yaml still signs in, so its row filters and masks can be tried locally.
        if (listener.Dev && IsLoopback && !tokens.IsPrincipal(user)) return Principal.Local;
        var clock = Stopwatch.StartNew();
        var address = AddressText;
        try
        {
            limits.CheckAddress(address);
        }
        catch (RateLimitedException e)
        {
            Audit(user, "rate-limited", clock.Elapsed);
            // REST's words (requests, an Authorization header) mean nothing to a SQL client: the wire speaks of sign-ins.
            throw new PgProtocolException("53300",
                $"too many failed sign-ins from {address}: try again in {Math.Max(1, (int)Math.Ceiling(e.RetryAfter.TotalSeconds))} s, with user=<principal> and one of its API tokens as the password");
        }

        var (principal, detail) = listener.Settings.Auth == PostgresAuth.Password && _tls is not null
            ? await CleartextAsync(user, ct)
            : await ScramAsync(user, ct);
        if (principal is not null) return principal;

        limits.CountFailure(address);
        Audit(user, "unauthorized", clock.Elapsed);
        PgLog.AuthenticationFailed(logger, user, RemoteText);
        ErrorResponse.Write(_output, ScramServerExchange.AuthenticationFailed(user) with
        {
            Detail = detail,
            Hint = $"the password is an API token of principal \"{user}\"; tokens created before the wire protocol cannot sign in with SCRAM: create a new one with 'ladle tokens create --principal {user}'",
        });
        await _output.FlushAsync(ct);
        return null;
    }

    private async Task<(Principal? Principal, string? Detail)> ScramAsync(string user, CancellationToken ct)
    {
        var candidates = await CandidatesAsync(user, ct);
        var exchange = candidates.Count > 0
            ? new ScramServerExchange(user, candidates.Select(c => c.Verifier).ToList())
            : ScramServerExchange.ForUnknownUser(user, tokens.Salts.Key);
        AuthenticationSasl.Write(_output, [ScramServerExchange.Mechanism]);
        await _output.FlushAsync(ct);

        var initial = (await ReadPasswordAsync("SASLInitialResponse", ct)).ReadSaslInitialResponse();
        if (initial.Mechanism != ScramServerExchange.Mechanism)
            throw new PgProtocolException(PgSqlState.ProtocolViolation, $"client selected an invalid SASL authentication mechanism \"{initial.Mechanism}\" (offered: {ScramServerExchange.Mechanism})");
        if (initial.Data is not { } clientFirst)
            throw new PgProtocolException(PgSqlState.ProtocolViolation, "SASLInitialResponse: the client sent no client-first-message");
        AuthenticationSaslContinue.Write(_output, exchange.HandleClientFirst(clientFirst.Span));
        await _output.FlushAsync(ct);

        var final = (await ReadPasswordAsync("SASLResponse", ct)).ReadSaslResponse();
        if (!exchange.TryHandleClientFinal(final.Span, out var serverFinal)) return (null, null);
        Principal principal;
        try
        {
            // The client proved it holds this token: now it may hear that it was revoked or expired.
            principal = await tokens.PrincipalOfAsync(candidates[exchange.MatchedVerifier].Token, ct);
        }
        catch (UnauthorizedException e)
        {
            return (null, e.Message);
        }
        AuthenticationSaslFinal.Write(_output, serverFinal);
        return (principal, null);
    }

    /// <summary>The principal's tokens with a verifier of its current salt; none for a user that is not a principal.</summary>
    private async Task<List<(TokenRecord Token, ScramVerifier Verifier)>> CandidatesAsync(string user, CancellationToken ct)
    {
        var candidates = new List<(TokenRecord, ScramVerifier)>();
        var salt = tokens.Salts.For(user);
        foreach (var token in await tokens.ScramTokensAsync(user, ct))
        {
            try
            {
                var verifier = ScramVerifier.Parse(token.ScramVerifier!);
                // A verifier made before the salt key was replaced can no longer be offered with this principal's salt.
                if (verifier.Iterations == ScramVerifier.MinIterations && verifier.Salt.SequenceEqual(salt)) candidates.Add((token, verifier));
            }
            catch (FormatException e)
            {
                PgLog.BadVerifier(logger, token.Id, e.Message);
            }
        }
        return candidates;
    }

    /// <summary>Cleartext password inside TLS: the token itself, checked as REST checks a bearer token, and it must be the user's.</summary>
    private async Task<(Principal? Principal, string? Detail)> CleartextAsync(string user, CancellationToken ct)
    {
        AuthenticationCleartextPassword.Write(_output);
        await _output.FlushAsync(ct);
        var password = (await ReadPasswordAsync("PasswordMessage", ct)).ReadCleartextPassword();
        try
        {
            if (TokenService.LooksLikeToken(password) && await tokens.ValidateAsync(password, ct) is { } principal
                && string.Equals(principal.Name, user, StringComparison.Ordinal))
                return (principal, null);
        }
        catch (UnauthorizedException)
        {
            // Same answer as a wrong password: which tokens exist, and whose, is nobody's business here.
        }
        return (null, null);
    }

    private async Task<PasswordMessage> ReadPasswordAsync(string expected, CancellationToken ct) =>
        await ReadMessageAsync(ct) switch
        {
            PasswordMessage password => password,
            null => throw new OperationCanceledException("the client left during authentication"),
            TerminateMessage => throw new OperationCanceledException("the client terminated during authentication"),
            var other => throw new PgProtocolException(PgSqlState.ProtocolViolation, $"expected {expected} ('p'), got message type '{(char)other.Type}'"),
        };

    private void Audit(string user, string status, TimeSpan elapsed) =>
        audit.Record(new AuditEntry(DateTimeOffset.UtcNow, user, "pg", "connection", "authenticate", "", 0, 0, status, elapsed));
}
