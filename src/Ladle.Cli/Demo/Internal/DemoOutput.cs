namespace Ladle.Cli.Demo.Internal;

/// <summary>The project folder being written, and the progress report shared by the generators running in parallel.</summary>
internal sealed class DemoOutput(string root, IProgress<DemoProgress>? progress)
{
    /// <summary>Datasets that get data files: every dataset of the demo that has a source.</summary>
    public const int DatasetsWritten = 12;

    private readonly Lock _reportLock = new();
    private int _completed;

    public string Root { get; } = root;

    /// <summary>The absolute path of a project-relative path, with its folder created.</summary>
    public string PathFor(string relative)
    {
        var path = Path.GetFullPath(Path.Combine(Root, relative));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    public void Report(string dataset, string relativePath, long rows)
    {
        // Under a lock so a synchronous reporter sees Completed counting up even with two generators running.
        lock (_reportLock)
        {
            _completed++;
            progress?.Report(new DemoProgress(dataset, relativePath, rows, _completed, DatasetsWritten));
        }
    }
}
