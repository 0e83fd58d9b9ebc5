using Ladle.Cli.Demo;
using Ladle.Cli.Demo.Internal;
using Ladle.Core.Loading;
using Ladle.Core.Model;

namespace Ladle.Cli.Tests.Demo;

/// <summary>The demo is reproducible: same options, same data; and regenerating is safe.</summary>
public sealed class DemoDeterminismTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ladle-demo-twice-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Same_options_generate_the_same_files_and_rows()
    {
        var first = Path.Combine(_root, "first");
        var second = Path.Combine(_root, "second");
        await DemoGenerator.GenerateAsync(first, DemoFixture.Options, null, CancellationToken.None);
        await DemoGenerator.GenerateAsync(second, DemoFixture.Options, null, CancellationToken.None);

        var files = RelativeFiles(first);
        Assert.Equal(files, RelativeFiles(second));
        // Parquet and SQLite files may legitimately differ in bytes (writer metadata, page layout); their rows may not.
        foreach (var file in files.Where(f => !f.EndsWith(".parquet", StringComparison.Ordinal) && !f.EndsWith(".sqlite", StringComparison.Ordinal)))
            Assert.True(File.ReadAllBytes(Path.Combine(first, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second, file))), $"{file} differs");

        var a = ProjectLoader.Load(first);
        var b = ProjectLoader.Load(second);
        using var dbA = new DemoDatabase(a);
        using var dbB = new DemoDatabase(b);
        var binary = a.Datasets.Where(d => d.Source is not null &&
            (a.Sources[d.Source].Kind == SourceKind.Sqlite || d.Table!.EndsWith(".parquet", StringComparison.Ordinal)));
        foreach (var dataset in binary)
        {
            // Read in file order for Parquet; SQLite tables have no order but their keys.
            var order = a.Sources[dataset.Source!].Kind == SourceKind.Files ? "" : " ORDER BY " + string.Join(", ", dataset.PrimaryKey);
            var rowsA = dbA.Rows($"SELECT * FROM {dataset.Name}{order}");
            var rowsB = dbB.Rows($"SELECT * FROM {dataset.Name}{order}");
            Assert.NotEmpty(rowsA);
            Assert.True(rowsA.SequenceEqual(rowsB), $"{dataset.Name} has different rows in the two generations");
        }
    }

    [Fact]
    public async Task Another_seed_generates_other_data()
    {
        var first = Path.Combine(_root, "seed-a");
        var second = Path.Combine(_root, "seed-b");
        await DemoGenerator.GenerateAsync(first, DemoFixture.Options, null, CancellationToken.None);
        await DemoGenerator.GenerateAsync(second, DemoFixture.Options with { Seed = 7 }, null, CancellationToken.None);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(first, DemoPaths.FabricBatches)), File.ReadAllBytes(Path.Combine(second, DemoPaths.FabricBatches)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(first, DemoPaths.Products)), File.ReadAllBytes(Path.Combine(second, DemoPaths.Products)));
    }

    [Fact]
    public async Task Regenerating_into_the_same_folder_replaces_the_data_and_keeps_other_files()
    {
        var folder = Path.Combine(_root, "again");
        await DemoGenerator.GenerateAsync(folder, DemoFixture.Options, null, CancellationToken.None);
        var before = File.ReadAllBytes(Path.Combine(folder, DemoPaths.FabricBatches));
        var mine = Path.Combine(folder, "data", "notes.txt");
        await File.WriteAllTextAsync(mine, "kept");

        await DemoGenerator.GenerateAsync(folder, DemoFixture.Options, null, CancellationToken.None);

        Assert.Equal(before, File.ReadAllBytes(Path.Combine(folder, DemoPaths.FabricBatches)));
        Assert.Equal("kept", await File.ReadAllTextAsync(mine));
        ProjectLoader.Load(folder);
    }

    [Fact]
    public void Embedded_project_files_are_exactly_samples_demo()
    {
        var samples = Path.Combine(RepositoryRoot(), "samples", "demo");
        var onDisk = Directory.EnumerateFiles(samples, "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(samples, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("data/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(onDisk, DemoProjectFiles.Paths);
        foreach (var relative in onDisk)
        {
            using var embedded = DemoProjectFiles.Open(relative);
            using var copy = new MemoryStream();
            embedded.CopyTo(copy);
            Assert.True(copy.ToArray().AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(samples, relative))), $"{relative} differs from the embedded copy");
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static List<string> RelativeFiles(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ladle.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Ladle.sln above {AppContext.BaseDirectory}");
    }
}
