namespace Ladle.Server.WebUi;

/// <summary>
/// A page of the web UI: a route answered with a shell (an HTML file under Web/) whose script renders the page from
/// the public API. <c>Embeddable</c> pages may be framed by other sites; every other page refuses to be.
/// </summary>
public sealed record WebPage(string Route, string Shell = "index.html", bool Embeddable = false);

/// <summary>
/// Every route the UI answers (its client router, Web/routes.js, names the same paths and the module of each). Any
/// other path is not a page: it answers 404 as before, so a mistyped API path never gets HTML back.
/// </summary>
public static class WebPages
{
    public static IReadOnlyList<WebPage> All { get; } =
    [
        // Sign-in, catalog, dataset, ops (issue 13 items 1, 2, 5).
        new("/"),
        new("/signin"),
        new("/datasets/{name}"),
        new("/ops"),
        // Metric explorer, dashboards, embedding (issue 13 items 3, 4, 6) are added below.
        new("/explore"),
        new("/dashboards"),
        new("/dashboards/{name}"),
        // Embeds: framed by other sites, authorised by the embed token in the fragment alone (embed.js).
        new("/embed/dashboards/{name}", "embed.html", Embeddable: true),
        new("/embed/dashboards/{name}/tiles/{tile}", "embed.html", Embeddable: true),
    ];
}
