using System.Text.Json;
using Ladle.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Hosting;

/// <summary>
/// <c>.ladle/server.json</c>: where a running server of this project answers ({url, pid, startedAt}). DuckDB lets one
/// process open the store, so CLI commands that would write to it find the server here and ask it instead.
/// </summary>
public static partial class LadleServerAnnouncement
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The announcement file of <paramref name="project"/>, beside its store.</summary>
    public static string PathFor(ProjectDefinition project) => Path.Combine(Path.GetDirectoryName(project.StorePath)!, "server.json");

    /// <summary>
    /// Says that this process serves <paramref name="project"/> at <paramref name="url"/>; the returned handle removes the
    /// file again (if it is still ours). Serving never depends on it: a file that cannot be written is logged, and only
    /// means CLI commands cannot find this server.
    /// </summary>
    public static IDisposable Announce(ProjectDefinition project, string url, ILogger logger)
    {
        var path = PathFor(project);
        var self = new Announced(url, Environment.ProcessId, DateTimeOffset.UtcNow);
        try
        {
            File.WriteAllText(path, JsonSerializer.Serialize(self, Json));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            NotAnnounced(logger, path, e.Message);
        }
        return new Withdrawal(path, self.Pid);
    }

    private sealed record Announced(string Url, int Pid, DateTimeOffset StartedAt);

    private sealed class Withdrawal(string path, int pid) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                if (JsonSerializer.Deserialize<Announced>(File.ReadAllText(path), Json)?.Pid == pid) File.Delete(path);
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { }
        }
    }

    [LoggerMessage(2200, LogLevel.Warning, "Could not write {Path} ({Reason}): `ladle materialize` and `checks run` will not find this server")]
    private static partial void NotAnnounced(ILogger logger, string path, string reason);
}
