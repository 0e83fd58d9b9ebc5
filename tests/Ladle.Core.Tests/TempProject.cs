namespace Ladle.Core.Tests;

/// <summary>A throwaway project folder with the files a test writes into it.</summary>
internal sealed class TempProject : IDisposable
{
    public TempProject() => Directory.CreateDirectory(Path.Combine(Root, "datasets"));

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "ladle-core-" + Guid.NewGuid().ToString("N"));

    public TempProject Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Replace("\r\n", "\n"));
        return this;
    }

    public const string MinimalProject = """
        name: test
        sources:
          files:
            kind: files
            path: data
          crm:
            kind: sqlite
            path: crm.sqlite
        """;

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
