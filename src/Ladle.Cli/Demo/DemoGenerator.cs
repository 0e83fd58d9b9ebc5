using Ladle.Cli.Demo.Internal;

namespace Ladle.Cli.Demo;

/// <summary>
/// Writes the demo project (samples/demo's YAML) and generates its data under data/, deterministically:
/// the same options produce the same rows, and the same bytes for CSV and NDJSON, on every run.
/// </summary>
public static class DemoGenerator
{
    /// <summary>
    /// Writes ladle.yaml, datasets/*.yaml and every data file into <paramref name="directory"/>
    /// (created if needed), replacing files of an earlier generation and leaving anything else alone.
    /// </summary>
    public static async Task GenerateAsync(string directory, DemoOptions options, IProgress<DemoProgress>? progress, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(options);
        var sizes = DemoSizes.For(options);
        var root = Path.GetFullPath(directory);
        Directory.CreateDirectory(root);

        await DemoProjectFiles.WriteAsync(root, ct).ConfigureAwait(false);
        RemovePreviousData(root);

        var output = new DemoOutput(root, progress);
        // Retail dominates the time; the two smaller domains share the other core meanwhile.
        // Each runs on its own random streams and its own scratch database, so running them
        // in parallel changes nothing in the output.
        var retail = Task.Run(() => RetailGenerator.Generate(output, sizes, options.Seed, ct), ct);
        var rest = Task.Run(() =>
        {
            ThermostatGenerator.Generate(output, sizes, options.Seed, ct);
            FactoryGenerator.Generate(output, sizes, options.Seed, options.FactoryEnd, ct);
        }, ct);
        await Task.WhenAll(retail, rest).ConfigureAwait(false);
    }

    /// <summary>Deletes only files this generator writes, so a smaller re-run leaves no stale reading files behind.</summary>
    private static void RemovePreviousData(string root)
    {
        foreach (var relative in DemoPaths.Files)
        {
            var path = Path.Combine(root, relative);
            if (File.Exists(path)) File.Delete(path);
        }
        var readings = Path.Combine(root, DemoPaths.ReadingsFolder);
        if (Directory.Exists(readings))
            foreach (var file in Directory.EnumerateFiles(readings, "readings-*.csv")) File.Delete(file);
    }
}
