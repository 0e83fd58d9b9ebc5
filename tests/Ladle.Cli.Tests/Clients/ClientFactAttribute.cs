namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// A test that needs a real client installed. On a developer's machine without it the test is skipped saying what
/// to install; under CI (CI=true) it runs anyway and fails, because ./test.sh installs every client.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClientFactAttribute : FactAttribute
{
    public ClientFactAttribute(string client)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true") return;
        if (ClientHarness.Missing(client) is { } missing) Skip = $"{client}: {missing}; ./test.sh installs it (under CI=true this fails)";
    }
}
