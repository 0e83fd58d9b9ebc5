using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Ladle.Server.WebUi;

/// <summary>
/// Serves the web UI at <c>/</c>: page shells (never cached without revalidation, so a new version shows at once) and
/// assets under a versioned prefix (cached for a year, immutable), each in the best encoding the browser accepts.
/// The UI has no endpoint of its own beyond these files: its pages call the public REST API like any client.
/// </summary>
public static class WebUiEndpoints
{
    /// <summary>What the UI's pages may load and connect to: only this server, no inline script.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'";

    public static IEndpointRouteBuilder MapWebUi(this IEndpointRouteBuilder app)
    {
        var assets = WebAssets.Shared;
        app.MapGet("/ui/{version}/{**path}", (string version, string path, HttpContext context) =>
        {
            // An asset of another version (a page loaded before an upgrade) is not answered with this version's bytes
            // under an immutable URL: 404, and the page's next navigation loads the new shell.
            if (version != assets.Version || assets.Asset(path) is not { } asset) return Results.NotFound();
            context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return Write(context, asset);
        }).ExcludeFromDescription();
        foreach (var page in WebPages.All)
        {
            var shell = assets.PageShell(page);
            app.MapGet(page.Route, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy + (page.Embeddable ? "" : "; frame-ancestors 'none'");
                if (!page.Embeddable) context.Response.Headers.XFrameOptions = "DENY";
                context.Response.Headers["Referrer-Policy"] = "same-origin";
                return Write(context, shell);
            }).ExcludeFromDescription();
        }
        return app;
    }

    private static IResult Write(HttpContext context, WebAsset asset)
    {
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ETag = asset.ETag;
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(tag => tag.Trim() == asset.ETag)))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        var accepted = context.Request.Headers.AcceptEncoding.ToString();
        var (body, encoding) = asset switch
        {
            { Brotli: { } br } when Accepts(accepted, "br") => (br, "br"),
            { Gzip: { } gz } when Accepts(accepted, "gzip") => (gz, "gzip"),
            _ => (asset.Identity, null),
        };
        if (encoding is not null) response.Headers.ContentEncoding = encoding;
        return Results.Bytes(body, asset.ContentType);
    }

    private static bool Accepts(string header, string coding) => header.Split(',').Any(part =>
    {
        var fields = part.Split(';');
        if (!fields[0].Trim().Equals(coding, StringComparison.OrdinalIgnoreCase)) return false;
        return !fields.Skip(1).Any(f => f.Trim().Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000");
    });
}
