using System.Collections.Concurrent;
using Ladle.Cli.Demo;

namespace Ladle.Cli.Tests.Demo;

/// <summary>Records progress reports as they happen; Progress&lt;T&gt; would post them later, from the thread pool.</summary>
internal sealed class CollectingProgress : IProgress<DemoProgress>
{
    private readonly ConcurrentQueue<DemoProgress> _reports = new();

    public IReadOnlyList<DemoProgress> Reports => _reports.ToArray();

    public void Report(DemoProgress value) => _reports.Enqueue(value);
}
