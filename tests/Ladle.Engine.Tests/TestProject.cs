using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Engine.Results;

namespace Ladle.Engine.Tests;

/// <summary>A project folder on disk, loaded the way `ladle serve` loads it.</summary>
internal sealed class TestProject : IDisposable
{
    public TestProject(string sources)
    {
        Directory.CreateDirectory(Path.Combine(Root, "datasets"));
        Directory.CreateDirectory(Path.Combine(Root, "data"));
        Write("ladle.yaml", "name: test\nserver:\n  retain_versions: 2\nsources:\n  files:\n    kind: files\n    path: data\n" + sources);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "ladle-engine-" + Guid.NewGuid().ToString("N"));

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public TestProject Write(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return this;
    }

    public TestProject Dataset(string name, string yaml) => Write($"datasets/{name}.yaml", $"name: {name}\n{yaml}");

    public ProjectDefinition Load() => ProjectLoader.Load(Root);

    public Task<LadleEngine> OpenAsync() => LadleEngine.OpenAsync(Load());

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Reads a whole result into boxed rows (test-sized results only).</summary>
    public static async Task<List<object?[]>> ReadAllAsync(ResultStream stream)
    {
        var rows = new List<object?[]>();
        while (await stream.ReadAsync(CancellationToken.None) is { } batch)
            for (var r = 0; r < batch.Count; r++)
                rows.Add(batch.Columns.Select(c => c.GetValue(r)).ToArray());
        return rows;
    }

    public static async Task<List<object?[]>> RowsAsync(LadleEngine engine, string dataset, RowsQuery? query = null)
    {
        var definition = engine.GetDataset(dataset);
        await using var stream = await engine.ReadRowsAsync(definition, query ?? new RowsQuery { Dataset = dataset }, CancellationToken.None);
        return await ReadAllAsync(stream);
    }

    public static RowsQuery Query(LadleEngine engine, string dataset, string? columns = null, string[]? filters = null, string? order = null, string? limit = null)
    {
        var schema = engine.GetSchemaAsync(engine.GetDataset(dataset), CancellationToken.None).GetAwaiter().GetResult();
        return RowsRequestParser.Parse(dataset, schema, columns, filters ?? [], order, limit, null);
    }
}
