using System.Reflection;

namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// The demo's YAML, embedded from samples/demo at build time so the sample folder stays the one
/// source of truth, and written out byte for byte.
/// </summary>
internal static class DemoProjectFiles
{
    /// <summary>Prefix of the embedded resources' logical names; the rest is the path under samples/demo.</summary>
    public const string ResourcePrefix = "Ladle.Demo/";

    /// <summary>Project-relative paths (forward slashes) of the embedded files, in ordinal order.</summary>
    public static IReadOnlyList<string> Paths { get; } = typeof(DemoProjectFiles).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        // MSBuild's RecursiveDir uses the build machine's separator.
        .Select(n => n[ResourcePrefix.Length..].Replace('\\', '/'))
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static Stream Open(string relativePath)
    {
        var assembly = typeof(DemoProjectFiles).Assembly;
        return assembly.GetManifestResourceStream(ResourcePrefix + relativePath)
               ?? assembly.GetManifestResourceStream(ResourcePrefix + relativePath.Replace('/', '\\'))
               ?? throw new FileNotFoundException($"the demo file '{relativePath}' is not embedded in {assembly.GetName().Name}", relativePath);
    }

    public static async Task WriteAsync(string root, CancellationToken ct)
    {
        if (Paths.Count == 0)
            throw new InvalidOperationException($"no demo project files are embedded in {typeof(DemoProjectFiles).Assembly.GetName().Name}; the build lost samples/demo");
        foreach (var relative in Paths)
        {
            var target = Path.GetFullPath(Path.Combine(root, relative));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using var source = Open(relative);
            await using var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true);
            await source.CopyToAsync(file, ct).ConfigureAwait(false);
        }
    }
}
