using System.Diagnostics;
using System.Text.Json;
using Ladle.Core.Model;

namespace Ladle.Cli.Commands;

/// <summary>
/// <c>.ladle/server.json</c>: where a <c>ladle serve</c> of this project answers. DuckDB lets one process open the
/// store, so CLI commands that would write to it ask the running server instead.
/// </summary>
internal sealed record RunningServer(string Url, int Pid, DateTimeOffset StartedAt)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static string PathFor(ProjectDefinition project) => Path.Combine(Path.GetDirectoryName(project.StorePath)!, "server.json");

    /// <summary>Says where this process serves; the returned handle removes the file again (if it is still ours).</summary>
    public static IDisposable Announce(ProjectDefinition project, string url)
    {
        var path = PathFor(project);
        var self = new RunningServer(url, Environment.ProcessId, DateTimeOffset.UtcNow);
        File.WriteAllText(path, JsonSerializer.Serialize(self, Json));
        return new Withdrawal(path, self.Pid);
    }

    /// <summary>The server announced for this project, if its process still runs.</summary>
    public static RunningServer? Find(ProjectDefinition project)
    {
        RunningServer? server;
        try { server = JsonSerializer.Deserialize<RunningServer>(File.ReadAllText(PathFor(project)), Json); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
        if (server is null || !Uri.TryCreate(server.Url, UriKind.Absolute, out _)) return null;
        try
        {
            using var process = Process.GetProcessById(server.Pid);
            return process.HasExited ? null : server;
        }
        catch (ArgumentException)
        {
            return null;   // killed without cleaning up
        }
    }

    private sealed class Withdrawal(string path, int pid) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                if (JsonSerializer.Deserialize<RunningServer>(File.ReadAllText(path), Json)?.Pid == pid) File.Delete(path);
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { }
        }
    }
}
