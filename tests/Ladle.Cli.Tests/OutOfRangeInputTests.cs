using System.Text;

namespace Ladle.Cli.Tests;

/// <summary>
/// Numbers too large for a date or a duration, and projects too wide to load, are clear errors from the real
/// `ladle` process: an exit code of 1 and a message naming what to fix, never a stack trace.
/// </summary>
public sealed class OutOfRangeInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-cli-range-" + Guid.NewGuid().ToString("N"));

    private async Task InitAsync()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        File.WriteAllText(Path.Combine(_dir, "access.yaml"), "roles:\n  ops:\n    admin: true\nprincipals:\n  ops_bot: { kind: service, roles: [ops] }\n");
    }

    private static void AssertClearError((int ExitCode, string Out, string Err) run, string expected)
    {
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Out}{run.Err}");
        Assert.Contains(expected, run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_create_with_an_expiry_past_the_calendar_is_a_clear_error()
    {
        await InitAsync();
        AssertClearError(await LadleProcess.RunAsync("tokens", "create", "--project", _dir, "--principal", "ops_bot", "--expires", "99999999d"),
            "--expires '99999999d' is not a duration (a duration such as 90s, 30m, 2h, 1d or 1d12h, at most 36500d");
        AssertClearError(await LadleProcess.RunAsync("tokens", "create", "--project", _dir, "--principal", "ops_bot", "--expires", "999999999999999999999999s"),
            "is not a duration");
    }

    [Fact]
    public async Task Audit_since_past_the_calendar_is_a_clear_error()
    {
        await InitAsync();
        AssertClearError(await LadleProcess.RunAsync("audit", "--project", _dir, "--since", "99999999d"), "--since '99999999d' is not a duration");
        AssertClearError(await LadleProcess.RunAsync("access", "report", "--project", _dir, "--days", "99999999"), "--days must be from 1 to 36500");
    }

    [Fact]
    public async Task Validate_reports_an_overlong_retry_backoff_and_a_bad_statement_timeout_with_file_line_and_column()
    {
        await InitAsync();
        var yaml = Path.Combine(_dir, "ladle.yaml");
        File.WriteAllText(yaml, File.ReadAllText(yaml).Replace("  http: 127.0.0.1:8080\n", "  http: 127.0.0.1:8080\n  retry_backoff: 99999999d\n  statement_timeout: 0s\n  max_exports: 0\n", StringComparison.Ordinal));
        var run = await LadleProcess.RunAsync("validate", "--project", _dir);
        AssertClearError(run, "ladle.yaml:9:18: error: 'retry_backoff' is not a duration: '99999999d'");
        Assert.Contains("ladle.yaml:10:22: error: 'statement_timeout' is not a duration: '0s'", run.Err, StringComparison.Ordinal);
        Assert.Contains("ladle.yaml:11:16: error: 'max_exports' must be a whole number from 1 to 1000", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_refuses_a_dataset_with_200k_declared_columns_promptly()
    {
        await InitAsync();
        var wide = new StringBuilder("name: wide\nsource: local_files\ntable: cities.csv\ncolumns:\n");
        for (var i = 0; i < 200_000; i++) wide.Append("  - { name: c").Append(i).Append(", type: integer }\n");
        File.WriteAllText(Path.Combine(_dir, "datasets", "wide.yaml"), wide.ToString());
        // Before the limit, each column was compared with every one before it: minutes of CPU for this file.
        var run = await LadleProcess.RunAsync("validate", "--project", _dir);
        AssertClearError(run, "datasets/wide.yaml:4:1: error: dataset 'wide' declares 200,000 columns, more than the 10,000 Ladle accepts");
    }

    [Fact]
    public async Task Store_state_and_their_folder_are_readable_by_their_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        await InitAsync();
        var materialize = await LadleProcess.RunAsync("materialize", "--project", _dir);
        Assert.True(materialize.ExitCode == 0, materialize.Out + materialize.Err);
        var folder = Path.Combine(_dir, ".ladle");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        foreach (var file in new[] { "state.db", "store.duckdb" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, file)));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
