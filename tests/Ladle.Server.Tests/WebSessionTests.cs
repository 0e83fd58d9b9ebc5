using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ladle.Engine.Access;

namespace Ladle.Server.Tests;

/// <summary>
/// The web UI's sign-in over real HTTP: the cookie's attributes, the API accepting it, and the CSRF rules that keep
/// another site from using it (a custom header on changes, no cross-site or foreign-origin requests); the cookie holds
/// a server-side session's secret, not the token, and the session ends on sign-out, when idle, at its absolute expiry
/// and with its token.
/// </summary>
public sealed class WebSessionTests(AccessFixture fixture) : IClassFixture<AccessFixture>, IDisposable
{
    // No cookie container: each request carries exactly the cookie a test gives it.
    private readonly HttpClient _http = new(new HttpClientHandler { UseCookies = false }) { BaseAddress = fixture.Server.Http.BaseAddress };

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SignInAsync(string token, bool csrf = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/session") { Content = JsonContent.Create(new { token }) };
        if (csrf) request.Headers.Add("X-Ladle-Csrf", "1");
        return await _http.SendAsync(request);
    }

    /// <summary>Signs in with a token and answers the session secret the cookie was set to.</summary>
    private async Task<string> SessionOfAsync(string token)
    {
        using var response = await SignInAsync(token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return CookieValue(response);
    }

    private static string CookieValue(HttpResponseMessage response)
    {
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        return setCookie["ladle_session=".Length..setCookie.IndexOf(';', StringComparison.Ordinal)];
    }

    private async Task<HttpResponseMessage> WithCookieAsync(HttpMethod method, string path, string token, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", "ladle_session=" + token);
        foreach (var (name, value) in headers) request.Headers.Add(name, value);
        return await _http.SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonElement>());

    [Fact]
    public async Task Signing_in_sets_an_http_only_same_site_strict_cookie_that_the_api_accepts_as_the_principal()
    {
        using var response = await SignInAsync(fixture.Tokens["alice"]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.True(body.GetProperty("signed_in").GetBoolean());
        Assert.Equal("alice", body.GetProperty("principal").GetString());
        Assert.False(body.GetProperty("admin").GetBoolean());
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        // The cookie holds a session's secret, never the token; it expires with the session (7 days at most).
        var secret = CookieValue(response);
        Assert.StartsWith("lds_", secret, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Tokens["alice"], setCookie, StringComparison.Ordinal);
        Assert.Contains("expires=", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase); // plain HTTP: a Secure cookie would never come back

        // The API reads as alice with the cookie alone: her domains, not finance's ledger.
        using var catalog = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets", secret);
        Assert.Equal(HttpStatusCode.OK, catalog.StatusCode);
        var names = (await JsonAsync(catalog)).GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("name").GetString()).ToList();
        Assert.Contains("orders", names);
        Assert.DoesNotContain("ledger", names);
    }

    [Fact]
    public async Task Signing_in_without_the_csrf_header_is_refused_and_sets_no_cookie()
    {
        using var response = await SignInAsync(fixture.Tokens["alice"], csrf: false);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("X-Ladle-Csrf", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_token_that_is_not_valid_is_401_and_sets_no_cookie()
    {
        using var response = await SignInAsync("ldl_000000000000_not-a-real-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        using var embed = await SignInAsync("not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, embed.StatusCode);
        Assert.Contains("ldl_", await embed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_made_with_the_cookie_needs_the_csrf_header()
    {
        var root = await SessionOfAsync(fixture.Tokens["root"]);
        using var forged = await WithCookieAsync(HttpMethod.Post, "/api/v1/datasets/stock/refresh", root);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("X-Ladle-Csrf", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var ui = await WithCookieAsync(HttpMethod.Post, "/api/v1/datasets/stock/refresh", root, ("X-Ladle-Csrf", "1"));
        Assert.Equal(HttpStatusCode.Accepted, ui.StatusCode);
    }

    [Fact]
    public async Task The_cookie_is_not_accepted_on_a_request_another_site_started()
    {
        var root = await SessionOfAsync(fixture.Tokens["root"]);
        using var crossSite = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets", root, ("Sec-Fetch-Site", "cross-site"));
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        using var foreign = await WithCookieAsync(HttpMethod.Get, "/api/v1/audit", root, ("Origin", "http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        using var sameOrigin = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets", root,
            ("Origin", _http.BaseAddress!.GetLeftPart(UriPartial.Authority)), ("Sec-Fetch-Site", "same-origin"));
        Assert.Equal(HttpStatusCode.OK, sameOrigin.StatusCode);
    }

    [Fact]
    public async Task The_session_says_who_is_signed_in_and_whether_an_admin()
    {
        using var none = await _http.GetAsync("/api/v1/session");
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.False((await JsonAsync(none)).GetProperty("signed_in").GetBoolean());
        using var root = await WithCookieAsync(HttpMethod.Get, "/api/v1/session", await SessionOfAsync(fixture.Tokens["root"]));
        var rootBody = await JsonAsync(root);
        Assert.Equal("root", rootBody.GetProperty("principal").GetString());
        Assert.True(rootBody.GetProperty("admin").GetBoolean());
        Assert.Equal("token", rootBody.GetProperty("method").GetString());
        using var bearer = await fixture.GetAsync("/api/v1/session", fixture.Tokens["bob"]);
        Assert.False((await JsonAsync(bearer)).GetProperty("admin").GetBoolean());
    }

    [Fact]
    public async Task A_revoked_token_ends_its_sessions_and_the_browser_is_told_why()
    {
        var (token, record) = await new TokenService(fixture.Server.Engine.Project, fixture.Server.Engine.State).CreateAsync("alice", null, "revoked in a test", CancellationToken.None);
        var secret = await SessionOfAsync(token);
        using (var before = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets/orders/rows?limit=1", secret)) Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.True(await fixture.Server.Engine.State.RevokeTokenAsync(record.Id, DateTimeOffset.UtcNow, CancellationToken.None));

        using var session = await WithCookieAsync(HttpMethod.Get, "/api/v1/session", secret);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        var body = await JsonAsync(session);
        Assert.False(body.GetProperty("signed_in").GetBoolean());
        Assert.Contains("revoked", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(session.Headers.GetValues("Set-Cookie"), c => c.StartsWith("ladle_session=;", StringComparison.Ordinal) && c.Contains("expires=", StringComparison.OrdinalIgnoreCase));
        using var rows = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets/orders/rows?limit=1", secret);
        Assert.Equal(HttpStatusCode.Unauthorized, rows.StatusCode);
        Assert.Null(await fixture.Server.Engine.State.FindWebSessionAsync(WebSessions.Hash(secret), CancellationToken.None));
    }

    [Fact]
    public async Task Signing_out_ends_the_session_so_a_copy_of_the_cookie_no_longer_signs_in()
    {
        var secret = await SessionOfAsync(fixture.Tokens["alice"]);
        using var forged = await WithCookieAsync(HttpMethod.Delete, "/api/v1/session", secret);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        using (var stillIn = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets", secret)) Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);

        using var signOut = await WithCookieAsync(HttpMethod.Delete, "/api/v1/session", secret, ("X-Ladle-Csrf", "1"));
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Contains(signOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith("ladle_session=;", StringComparison.Ordinal));
        using var replayed = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets", secret);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("sign in again", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stolen_session_cookie_is_not_a_bearer_token_and_the_store_holds_only_its_hash()
    {
        var secret = await SessionOfAsync(fixture.Tokens["root"]);
        using var bearer = await fixture.GetAsync("/api/v1/datasets", secret);
        Assert.Equal(HttpStatusCode.Unauthorized, bearer.StatusCode);
        Assert.Contains("not a bearer token", await bearer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var stored = await fixture.Server.Engine.State.FindWebSessionAsync(WebSessions.Hash(secret), CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal("root", stored.Principal);
        Assert.Null(await fixture.Server.Engine.State.FindWebSessionAsync(secret, CancellationToken.None));

        // A cookie holding an API token (as it did before sessions) is not a session: sign in again.
        using var rawToken = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets", fixture.Tokens["root"]);
        Assert.Equal(HttpStatusCode.Unauthorized, rawToken.StatusCode);
    }

    [Fact]
    public async Task A_session_ends_after_its_idle_time_and_at_its_absolute_expiry_whatever_its_use()
    {
        var tokens = new TokenService(fixture.Server.Engine.Project, fixture.Server.Engine.State);
        var (token, _) = await tokens.CreateAsync("alice", null, "sessions in the past", CancellationToken.None);
        var principal = await tokens.ValidateAsync(token, CancellationToken.None);
        WebSessions OpenedAgo(TimeSpan ago) => new(tokens, fixture.Server.Engine.State, fixture.Server.Engine.State, WebSessionLifetime.Default,
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow - ago));

        // Opened an hour ago: within both limits, and using it keeps it alive.
        var (recent, _) = await OpenedAgo(TimeSpan.FromHours(1)).OpenAsync(token, principal, CancellationToken.None);
        using (var ok = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets", recent)) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var touched = await fixture.Server.Engine.State.FindWebSessionAsync(WebSessions.Hash(recent), CancellationToken.None);
        Assert.True(touched!.LastSeenAt > touched.CreatedAt + TimeSpan.FromMinutes(59));

        // Opened 13 hours ago and not used since: past the 12 hours of idle time.
        var (idle, _) = await OpenedAgo(TimeSpan.FromHours(13)).OpenAsync(token, principal, CancellationToken.None);
        using var idleAnswer = await WithCookieAsync(HttpMethod.Get, "/api/v1/datasets", idle);
        Assert.Equal(HttpStatusCode.Unauthorized, idleAnswer.StatusCode);
        Assert.Contains("without use", await idleAnswer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Opened 8 days ago and used a minute ago: past the 7 days a session lasts at most.
        var (old, _) = await OpenedAgo(TimeSpan.FromDays(8)).OpenAsync(token, principal, CancellationToken.None);
        await fixture.Server.Engine.State.TouchWebSessionAsync(WebSessions.Hash(old), DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);
        using var oldAnswer = await WithCookieAsync(HttpMethod.Get, "/api/v1/session", old);
        var body = await JsonAsync(oldAnswer);
        Assert.False(body.GetProperty("signed_in").GetBoolean());
        Assert.Contains("expired", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_running_server_forgets_the_uses_of_sessions_that_have_ended()
    {
        var tokens = new TokenService(fixture.Server.Engine.Project, fixture.Server.Engine.State);
        var (token, _) = await tokens.CreateAsync("alice", null, "remembered uses", CancellationToken.None);
        var principal = await tokens.ValidateAsync(token, CancellationToken.None);
        // In the past, so that the sign-in below deletes no session another test of this class opened.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(14));
        var sessions = new WebSessions(tokens, fixture.Server.Engine.State, fixture.Server.Engine.State, WebSessionLifetime.Default, clock);

        // Two sessions used a few minutes after opening: the node remembers both uses.
        var (first, _) = await sessions.OpenAsync(token, principal, CancellationToken.None);
        var (second, _) = await sessions.OpenAsync(token, principal, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));
        await sessions.ValidateAsync(first, CancellationToken.None);
        await sessions.ValidateAsync(second, CancellationToken.None);
        Assert.Equal(2, sessions.RememberedUses);

        // The first is presented again after its idle time: refused, and forgotten.
        clock.Advance(TimeSpan.FromHours(13));
        var idle = await Assert.ThrowsAsync<Ladle.Core.Errors.UnauthorizedException>(() => sessions.ValidateAsync(first, CancellationToken.None));
        Assert.Contains("without use", idle.Message, StringComparison.Ordinal);
        Assert.Equal(1, sessions.RememberedUses);

        // The second is never presented again; the next sign-in forgets it, as the store deletes it.
        await sessions.OpenAsync(token, principal, CancellationToken.None);
        Assert.Equal(0, sessions.RememberedUses);
    }
}
