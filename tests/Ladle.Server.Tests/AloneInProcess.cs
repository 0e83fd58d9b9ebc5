namespace Ladle.Server.Tests;

/// <summary>
/// Tests that measure the whole test process (open handles, managed memory) run with no other test class beside them:
/// xUnit runs the others' collections in parallel in the same process, and their sockets and files would count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneInProcess
{
    public const string Name = "alone in the test process";
}
