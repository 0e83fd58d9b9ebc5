using Ladle.Core.Errors;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Microsoft.AspNetCore.Http;

namespace Ladle.Server.Hosting;

/// <summary>
/// The principal step of the read path for HTTP: an API token or an embed token in <c>Authorization: Bearer …</c>,
/// or the web UI's sign-in cookie (<see cref="SessionCookie"/>, a <see cref="WebSessions"/> session); without either, an anonymous principal only on a
/// server started with --dev. A refusal is audited like any
/// other answer (by <see cref="AuditMiddleware"/>), and the principal's request rate is checked here, once per request.
/// </summary>
public sealed class PrincipalResolver(LadleServerOptions options, TokenService tokens, WebSessions sessions, EmbedTokens embed, RateLimits limits)
{
    public async Task<Principal> ResolveAsync(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        limits.CheckAddress(address);
        Principal principal;
        try
        {
            principal = await AuthenticateAsync(context);
        }
        catch (UnauthorizedException)
        {
            limits.CountFailure(address);
            throw;
        }
        context.Items[AuditMiddleware.PrincipalKey] = principal.Name;
        if (principal.Subject is { } subject) context.Items[AuditMiddleware.SubjectKey] = subject;
        await limits.CheckRequestAsync(principal, context.RequestAborted);
        return principal;
    }

    /// <summary>
    /// The web UI's sign-in: checks <paramref name="token"/> as an API token (embed tokens are for embedded pages,
    /// not for signing in), under the same address limits and failure counting as any authentication.
    /// </summary>
    public async Task<Principal> SignInAsync(HttpContext context, string token)
    {
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        limits.CheckAddress(address);
        Principal principal;
        try
        {
            if (!TokenService.LooksLikeToken(token))
                throw new UnauthorizedException("that is not a Ladle API token (they start with 'ldl_'; create one with 'ladle tokens create --principal NAME')");
            principal = await tokens.ValidateAsync(token, context.RequestAborted);
        }
        catch (UnauthorizedException)
        {
            limits.CountFailure(address);
            throw;
        }
        context.Items[AuditMiddleware.PrincipalKey] = principal.Name;
        await limits.CheckRequestAsync(principal, context.RequestAborted);
        return principal;
    }

    private async Task<Principal> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            // The web UI's sign-in cookie holds a session's secret; it counts only on a request this site's own pages made.
            if (SessionCookie.Read(context) is { } cookie)
            {
                SessionCookie.CheckSameSite(context);
                return await sessions.ValidateAsync(cookie, context.RequestAborted);
            }
            if (options.Dev) return Principal.DevAnonymous;
            throw new UnauthorizedException("authentication required: send 'Authorization: Bearer <token>' (create one with 'ladle tokens create --principal NAME')");
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            throw new UnauthorizedException("only bearer tokens are accepted: 'Authorization: Bearer <token>'");
        var token = header["Bearer ".Length..].Trim();
        if (TokenService.LooksLikeToken(token)) return await tokens.ValidateAsync(token, context.RequestAborted);
        if (EmbedTokens.LooksLikeJwt(token)) return await embed.ValidateAsync(token);
        if (WebSessions.LooksLikeSession(token))
            throw new UnauthorizedException("a sign-in session is not a bearer token: it counts only as the web UI's cookie; send an API token ('ladle tokens create --principal NAME')");
        throw new UnauthorizedException("the bearer token is neither a Ladle API token nor an embed token");
    }
}
