using System.CommandLine;

namespace Ladle.Cli.Commands;

/// <summary>Options several commands share, spelled the same everywhere.</summary>
internal static class CliOptions
{
    public static Option<DirectoryInfo> Project() => new("--project", "-p")
    {
        Description = "The project folder (the one holding ladle.yaml).",
        DefaultValueFactory = _ => new DirectoryInfo(Directory.GetCurrentDirectory()),
    };

    public static Option<string?> Http() => new("--http")
    {
        Description = "host:port to listen on (default: server.http in ladle.yaml, else 127.0.0.1:8080).",
    };

    public static Option<bool> Dev() => new("--dev")
    {
        Description = "Allow unauthenticated access. For local development only.",
    };
}
