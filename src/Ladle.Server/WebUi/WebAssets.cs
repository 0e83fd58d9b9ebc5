using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Ladle.Server.WebUi;

/// <summary>
/// The web UI's files (src/Ladle.Server/Web, embedded in this assembly): read once, versioned by a hash of all of
/// them and compressed ahead (Brotli and gzip), so an asset is answered from memory with an immutable URL
/// (<c>/ui/{version}/app.js</c>) and a page shell names the current version. No build step: the files are served as written.
/// </summary>
public sealed partial class WebAssets
{
    private const string ResourcePrefix = "web/";

    /// <summary>The placeholder a shell writes where the versioned asset prefix goes (e.g. <c>{{assets}}/app.js</c>).</summary>
    public const string AssetsPlaceholder = "{{assets}}";

    private static readonly Lazy<WebAssets> Embedded = new(() => new WebAssets());

    private readonly Dictionary<string, WebAsset> _assets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WebAsset> _shells = new(StringComparer.Ordinal);

    /// <summary>The files embedded in this assembly, read and compressed once per process.</summary>
    public static WebAssets Shared => Embedded.Value;

    private WebAssets()
    {
        var assembly = typeof(WebAssets).Assembly;
        var files = assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(n => (Path: n[ResourcePrefix.Length..].Replace('\\', '/'), Bytes: Read(assembly, n))).ToList();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, bytes) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(path + "\n"));
            hash.AppendData(bytes);
        }
        Version = Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
        Prefix = "/ui/" + Version;
        foreach (var (path, bytes) in files)
        {
            if (path.EndsWith(".html", StringComparison.Ordinal))
                _shells[path] = WebAsset.Create(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace(AssetsPlaceholder, Prefix, StringComparison.Ordinal)), path);
            else
                _assets[path] = WebAsset.Create(bytes, path);
        }
    }

    /// <summary>A hash of every file: it changes whenever any file does, and so does every asset URL.</summary>
    public string Version { get; }

    /// <summary>The path assets are served under, <c>/ui/{version}</c>.</summary>
    public string Prefix { get; }

    /// <summary>An asset by its path under Web/ (<c>pages/catalog.js</c>), or null.</summary>
    public WebAsset? Asset(string path) => _assets.GetValueOrDefault(path);

    /// <summary>A page shell (<c>index.html</c>) with the current asset prefix written in.</summary>
    public WebAsset Shell(string name) => _shells.TryGetValue(name, out var shell) ? shell
        : throw new InvalidOperationException($"the web UI has no shell '{name}' (a file Web/{name} embedded in Ladle.Server)");

    /// <summary>The chart library and the styles of pages that draw charts (charts.js loads the same files).</summary>
    private static readonly string[] ChartStyles = ["vendor/uplot/uPlot.min.css", "dashboards.css"];
    private const string ChartScript = "vendor/uplot/uPlot.iife.min.js";

    /// <summary>
    /// The shell of <paramref name="page"/>: <see cref="PreloadPlaceholder"/> replaced by a modulepreload hint for every
    /// module the page's scripts import, directly or not (read from their static <c>import … from './x.js'</c>), and for
    /// a chart page the chart library's script and styles. Made once per page, at start.
    /// </summary>
    public WebAsset PageShell(WebPage page)
    {
        var text = Encoding.UTF8.GetString(Shell(page.Shell).Identity);
        var links = new StringBuilder();
        if (page.Charts)
        {
            foreach (var style in ChartStyles)
                if (!text.Contains($"{Prefix}/{style}", StringComparison.Ordinal)) links.Append(CultureInfo.InvariantCulture, $"<link rel=\"stylesheet\" href=\"{Prefix}/{style}\">\n  ");
            if (!text.Contains($"{Prefix}/{ChartScript}", StringComparison.Ordinal)) links.Append(CultureInfo.InvariantCulture, $"<link rel=\"preload\" as=\"script\" href=\"{Prefix}/{ChartScript}\">\n  ");
        }
        foreach (var module in ModuleClosure(page.Modules ?? []))
            links.Append(CultureInfo.InvariantCulture, $"<link rel=\"modulepreload\" href=\"{Prefix}/{module}\">\n  ");
        return WebAsset.Create(Encoding.UTF8.GetBytes(text.Replace(PreloadPlaceholder + "\n", links.ToString().TrimEnd() + "\n", StringComparison.Ordinal)
            .Replace(PreloadPlaceholder, links.ToString().TrimEnd(), StringComparison.Ordinal)), page.Shell);
    }

    /// <summary>The placeholder a shell writes where the page's preload hints go.</summary>
    public const string PreloadPlaceholder = "<!-- {{preload}} -->";

    /// <summary>The modules and every module they import statically, in the order found (each once); unknown files are skipped.</summary>
    private List<string> ModuleClosure(IReadOnlyList<string> entries)
    {
        var found = new List<string>();
        var pending = new Queue<string>(entries);
        while (pending.TryDequeue(out var module))
        {
            if (found.Contains(module) || Asset(module) is not { } asset) continue;
            found.Add(module);
            var folder = module.Contains('/', StringComparison.Ordinal) ? module[..(module.LastIndexOf('/') + 1)] : "";
            foreach (System.Text.RegularExpressions.Match import in StaticImport().Matches(Encoding.UTF8.GetString(asset.Identity)))
                pending.Enqueue(Resolve(folder, import.Groups[1].Success ? import.Groups[1].Value : import.Groups[2].Value));
        }
        return found;
    }

    private static string Resolve(string folder, string relative)
    {
        var parts = (folder + relative).Split('/').ToList();
        var path = new List<string>();
        foreach (var part in parts)
        {
            if (part is "." or "") continue;
            if (part == "..") { if (path.Count > 0) path.RemoveAt(path.Count - 1); }
            else path.Add(part);
        }
        return string.Join('/', path);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*(?:import|export)\b[^'""`;]*?\bfrom\s*['""](\.{1,2}/[^'""]+)['""]|^\s*import\s*['""](\.{1,2}/[^'""]+)['""]", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex StaticImport();

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>One file of the UI with its precomputed encodings and entity tag.</summary>
public sealed record WebAsset(string ContentType, byte[] Identity, byte[]? Brotli, byte[]? Gzip, string ETag)
{
    public static WebAsset Create(byte[] bytes, string path)
    {
        var type = Path.GetExtension(path) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            ".json" => "application/json",
            ".png" => "image/png",
            ".woff2" => "font/woff2",
            _ => "application/octet-stream",
        };
        var compressible = !type.StartsWith("image/png", StringComparison.Ordinal) && !type.StartsWith("font/", StringComparison.Ordinal);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"";
        return new WebAsset(type, bytes, compressible ? Smaller(bytes, s => new BrotliStream(s, CompressionLevel.SmallestSize, leaveOpen: true)) : null,
            compressible ? Smaller(bytes, s => new GZipStream(s, CompressionLevel.SmallestSize, leaveOpen: true)) : null, etag);
    }

    private static byte[]? Smaller(byte[] bytes, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var compress = compressor(output)) compress.Write(bytes);
        return output.Length < bytes.Length ? output.ToArray() : null;
    }
}
