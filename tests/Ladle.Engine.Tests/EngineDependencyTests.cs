namespace Ladle.Engine.Tests;

/// <summary>The engine is a library every interface hosts (HTTP, the wire protocol, the CLI): it takes no web framework.</summary>
public sealed class EngineDependencyTests
{
    [Fact]
    public void Engine_assembly_references_no_AspNetCore_assembly()
    {
        var references = typeof(LadleEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        // The abstractions it does take, so the test would notice if the reference list were not what it seems.
        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", references);
        Assert.Contains("Microsoft.Extensions.Hosting.Abstractions", references);
    }
}
