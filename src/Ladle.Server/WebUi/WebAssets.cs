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
public sealed class WebAssets
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
