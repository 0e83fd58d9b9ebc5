using Ladle.Core.Errors;
using Ladle.Core.Loading;

namespace Ladle.Core.Tests;

public sealed class ServerSettingsTests
{
    [Fact]
    public void Run_retries_and_backoff_default_to_three_and_thirty_seconds()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject);
        var server = ProjectLoader.Load(p.Root).Server;
        Assert.Equal(3, server.RunRetries);
        Assert.Equal(TimeSpan.FromSeconds(30), server.RetryBackoff);
    }

    [Fact]
    public void Run_retries_and_backoff_are_read_from_the_server_section()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\nserver:\n  run_retries: 0\n  retry_backoff: 2m\n");
        var server = ProjectLoader.Load(p.Root).Server;
        Assert.Equal(0, server.RunRetries);
        Assert.Equal(TimeSpan.FromMinutes(2), server.RetryBackoff);
    }

    [Fact]
    public void Bad_retry_settings_are_reported_where_they_are_written()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\nserver:\n  run_retries: 50\n  retry_backoff: soon\n");
        var e = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));
        var retries = Assert.Single(e.Diagnostics, d => d.Message.Contains("'run_retries' must be a whole number from 0 to 10, not '50'", StringComparison.Ordinal));
        Assert.Equal(new SourceLocation("ladle.yaml", 10, 16), retries.Location);
        var backoff = Assert.Single(e.Diagnostics, d => d.Message.Contains("'retry_backoff' is not a duration: 'soon'", StringComparison.Ordinal));
        Assert.Equal(new SourceLocation("ladle.yaml", 11, 18), backoff.Location);
        Assert.Contains("90s", backoff.Hint, StringComparison.Ordinal);
        Assert.Equal(2, e.Diagnostics.Count);
    }
}
