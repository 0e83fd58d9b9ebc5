namespace Ladle.Server.WebUi;

/// <summary>
/// A page of the web UI: a route answered with a shell (an HTML file under Web/) whose script renders the page from
/// the public API. <c>Embeddable</c> pages may be framed by other sites; every other page refuses to be.
/// <c>Modules</c> are the scripts the page runs (the shell's and the page's own module): their static imports are
/// named in the shell as modulepreload hints, so the browser fetches them all at once instead of one level at a time;
/// <c>Charts</c> pages also preload the chart library and its styles.
/// </summary>
public sealed record WebPage(string Route, string Shell = "index.html", bool Embeddable = false, IReadOnlyList<string>? Modules = null, bool Charts = false);

/// <summary>
/// Every route the UI answers (its client router, Web/routes.js, names the same paths and the module of each). Any
/// other path is not a page: it answers 404 as before, so a mistyped API path never gets HTML back.
/// </summary>
public static class WebPages
{
    public static IReadOnlyList<WebPage> All { get; } =
    [
        // Sign-in, catalog, dataset, ops (issue 13 items 1, 2, 5).
        new("/", Modules: ["app.js", "pages/catalog.js"]),
        new("/signin", Modules: ["app.js", "pages/signin.js"]),
        new("/datasets/{name}", Modules: ["app.js", "pages/dataset.js"]),
        new("/ops", Modules: ["app.js", "pages/ops.js"]),
        // Metric explorer, dashboards, embedding (issue 13 items 3, 4, 6) are added below.
        new("/explore", Modules: ["app.js", "pages/explorer.js"], Charts: true),
        new("/dashboards", Modules: ["app.js", "pages/dashboards.js"]),
        new("/dashboards/{name}", Modules: ["app.js", "pages/dashboard.js"], Charts: true),
        // Embeds: framed by other sites, authorised by the embed token in the fragment alone (embed.js).
        new("/embed/dashboards/{name}", "embed.html", Embeddable: true, Modules: ["embed.js"], Charts: true),
        new("/embed/dashboards/{name}/tiles/{tile}", "embed.html", Embeddable: true, Modules: ["embed.js"], Charts: true),
    ];
}
