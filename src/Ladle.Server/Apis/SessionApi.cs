using Ladle.Core.Errors;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Ladle.Server.Apis;

/// <summary>
/// Sign-in for the web UI (and who-am-I for any client): /api/v1/session. Signing in checks an API token and opens a
/// server-side session (<see cref="WebSessions"/>) whose secret goes in the HTTP-only sign-in cookie
/// (<see cref="SessionCookie"/>); every API then accepts that cookie from this site's pages. Signing out ends it.
/// </summary>
public static class SessionApi
{
    public static IEndpointRouteBuilder MapSessionApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/session").WithTags("Session");
        api.MapGet("/", Get).WithName("GetSession")
            .WithSummary("Who the caller is (principal, how it authenticated, whether it is an admin); signedIn false without credentials.");
        api.MapPost("/", SignIn).WithName("SignIn")
            .WithSummary("Checks an API token and opens a session: its secret goes in the HTTP-only, SameSite=Strict sign-in cookie (send the X-Ladle-Csrf header).");
        api.MapDelete("/", SignOut).WithName("SignOut").WithSummary("Ends the sign-in session and clears its cookie.");
        return app;
    }

    private static async Task<Ok<SessionInfo>> Get(HttpContext context, PrincipalResolver principals, ReadPipeline pipeline, LadleServerOptions options)
    {
        var anonymous = string.IsNullOrWhiteSpace(context.Request.Headers.Authorization.ToString()) && SessionCookie.Read(context) is null;
        if (anonymous && !options.Dev) return TypedResults.Ok(SessionInfo.SignedOut(options.Dev, null));
        Principal principal;
        try
        {
            principal = await principals.ResolveAsync(context);
        }
        catch (UnauthorizedException e) when (SessionCookie.Read(context) is not null && string.IsNullOrWhiteSpace(context.Request.Headers.Authorization.ToString()))
        {
            // A cookie whose token was revoked or expired: the browser is signed out, and told why.
            SessionCookie.Clear(context);
            return TypedResults.Ok(SessionInfo.SignedOut(options.Dev, e.Message));
        }
        return TypedResults.Ok(SessionInfo.Of(principal, pipeline.Policy.IsAdmin(principal), options.Dev) with { Postgres = SqlEndpoint.Of(context) });
    }

    private static async Task<Ok<SessionInfo>> SignIn(SignInRequest body, HttpContext context, PrincipalResolver principals, WebSessions sessions, ReadPipeline pipeline,
        LadleServerOptions options)
    {
        SessionCookie.CheckSameSite(context);
        if (string.IsNullOrWhiteSpace(body.Token)) throw new InvalidRequestException("token is required: an API token ('ladle tokens create --principal NAME' prints one)", "token");
        var token = body.Token.Trim();
        var principal = await principals.SignInAsync(context, token);
        // A session signed in again is replaced, not left open beside the new one.
        if (SessionCookie.Read(context) is { } previous) await sessions.EndAsync(previous, context.RequestAborted);
        var (secret, session) = await sessions.OpenAsync(token, principal, context.RequestAborted);
        SessionCookie.Set(context, secret, session.ExpiresAt);
        return TypedResults.Ok(SessionInfo.Of(principal, pipeline.Policy.IsAdmin(principal), options.Dev) with { Postgres = SqlEndpoint.Of(context) });
    }

    private static async Task<NoContent> SignOut(HttpContext context, WebSessions sessions)
    {
        if (SessionCookie.Read(context) is { } secret)
        {
            SessionCookie.CheckSameSite(context);
            // Ended on the server: a copy of the cookie taken before signing out signs no one in afterwards.
            await sessions.EndAsync(secret, context.RequestAborted);
        }
        SessionCookie.Clear(context);
        return TypedResults.NoContent();
    }

    /// <summary>What signing in sends: an API token.</summary>
    public sealed record SignInRequest(string? Token);

    /// <summary>
    /// Who the caller is: its principal, how it authenticated (token, embed, dev), whether it is an admin, whether
    /// the server runs with --dev; <c>Reason</c> says why a sign-in cookie no longer counts.
    /// </summary>
    public sealed record SessionInfo(bool SignedIn, string? Principal, string? Method, bool Admin, bool Dev, string? Reason = null)
    {
        /// <summary>Where SQL clients connect (the PostgreSQL wire protocol), when the server listens for them.</summary>
        public SqlEndpoint? Postgres { get; init; }

        public static SessionInfo Of(Principal principal, bool admin, bool dev) =>
            new(true, principal.Name, principal.Method.ToString().ToLowerInvariant(), admin, dev);

        public static SessionInfo SignedOut(bool dev, string? reason) => new(false, null, null, false, dev, reason);
    }

    /// <summary>The PostgreSQL listener's host and port as a client of this request should dial them.</summary>
    public sealed record SqlEndpoint(string Host, int Port)
    {
        public static SqlEndpoint? Of(HttpContext context)
        {
            if (context.RequestServices.GetService(typeof(Postgres.PgListener)) is not Postgres.PgListener listener) return null;
            var endpoint = listener.EndPoint;
            // A listener on every address is reached at the host name this request came to.
            var host = endpoint.Address.Equals(System.Net.IPAddress.Any) || endpoint.Address.Equals(System.Net.IPAddress.IPv6Any)
                ? context.Request.Host.Host : endpoint.Address.ToString();
            return new SqlEndpoint(host, endpoint.Port);
        }
    }
}
