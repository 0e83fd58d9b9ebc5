using Microsoft.AspNetCore.Http;

namespace Ladle.Server.Hosting;

/// <summary>
/// The web UI's sign-in: the secret of a server-side session (<see cref="Engine.Access.WebSessions"/>, opened with an
/// API token), kept in an HTTP-only cookie (script cannot read it), SameSite=Strict (the browser never sends it with a
/// request another site starts) and Secure over TLS, expiring with the session. The session is checked on every
/// request, with the token it stands for, so signing out or revoking the token signs the browser out at once.
/// A request authenticated by the cookie must also carry <see cref="CsrfHeader"/> when it changes anything: a custom
/// header cannot be sent cross-site without a CORS preflight, which Ladle never grants.
/// </summary>
public static class SessionCookie
{
    /// <summary>The cookie's name.</summary>
    public const string Name = "ladle_session";

    /// <summary>The header a cookie-authenticated request that is not GET/HEAD must send (any non-empty value).</summary>
    public const string CsrfHeader = "X-Ladle-Csrf";

    /// <summary>Sets the cookie to a session's <paramref name="secret"/> for the whole site, until the session's absolute expiry.</summary>
    public static void Set(HttpContext context, string secret, DateTimeOffset expires)
    {
        var options = Options(context);
        options.Expires = expires;
        context.Response.Cookies.Append(Name, secret, options);
    }

    /// <summary>Clears the cookie (an expired, empty one with the same attributes).</summary>
    public static void Clear(HttpContext context) => context.Response.Cookies.Delete(Name, Options(context));

    /// <summary>The cookie's value, or null when the request has none.</summary>
    public static string? Read(HttpContext context) =>
        context.Request.Cookies.TryGetValue(Name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>
    /// Throws when a request carrying the cookie could have been started by another site: the browser says so
    /// (Sec-Fetch-Site: cross-site), its Origin is not this server, or it changes something without <see cref="CsrfHeader"/>.
    /// </summary>
    public static void CheckSameSite(HttpContext context)
    {
        var request = context.Request;
        if (string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase))
            throw new Core.Errors.ForbiddenException("the sign-in cookie is not accepted on a request another site started; call the API with 'Authorization: Bearer <token>'");
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !SameOrigin(origin, request))
            throw new Core.Errors.ForbiddenException("the sign-in cookie is not accepted on a request from another origin; call the API with 'Authorization: Bearer <token>'");
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && string.IsNullOrWhiteSpace(request.Headers[CsrfHeader].ToString()))
            throw new Core.Errors.ForbiddenException($"a {request.Method} signed in by cookie must send the header '{CsrfHeader}' (the web UI does); other clients send 'Authorization: Bearer <token>'");
    }

    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static CookieOptions Options(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        IsEssential = true,
    };
}
