using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Server.Contracts;

namespace Ladle.Cli.Commands;

/// <summary>
/// <c>.ladle/server.json</c>: where a <c>ladle serve</c> of this project answers (written by
/// <see cref="Server.Hosting.LadleServerAnnouncement"/>). DuckDB lets one process open the store, so CLI commands that
/// would write to it ask the running server instead.
/// </summary>
internal sealed record RunningServer(string Url, int Pid, DateTimeOffset StartedAt)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static string PathFor(ProjectDefinition project) => Server.Hosting.LadleServerAnnouncement.PathFor(project);

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

    /// <summary>
    /// POSTs to the server for <paramref name="what"/> and reads its answer: the endpoint's contract
    /// (<typeparamref name="T"/>, from <c>Ladle.Server.Contracts</c> or the API's own records) when it succeeds, its
    /// problem otherwise. Starting work there takes an admin token (from --token or LADLE_TOKEN) unless it runs with
    /// --dev; a refusal, a server that does not answer, or a body that is not the contract is an error that says so.
    /// </summary>
    public async Task<ServerAnswer<T>> PostAsync<T>(string path, string? token, string what, CancellationToken cancellationToken) where T : class
    {
        using var http = new HttpClient { BaseAddress = new Uri(Url), Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (!string.IsNullOrWhiteSpace(token)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new SourceUnavailableException("ladle serve", $"the store is in use by 'ladle serve' (process {Pid}), which does not answer at {Url}: {e.Message}; stop it and run this again", e);
        }
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new UnauthorizedException($"'ladle serve' at {Url} refused to {what} ({(int)response.StatusCode}): it takes an admin token; pass --token or set LADLE_TOKEN (`ladle tokens create --principal <an admin>`)");
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            try
            {
                return response.IsSuccessStatusCode
                    ? new ServerAnswer<T>(response.StatusCode, JsonSerializer.Deserialize<T>(body, ApiJson.Options) ?? throw new JsonException("null"), null)
                    : new ServerAnswer<T>(response.StatusCode, null, JsonSerializer.Deserialize<ApiProblem>(body, ApiJson.Options) ?? throw new JsonException("null"));
            }
            catch (JsonException)
            {
                throw new SourceUnavailableException("ladle serve", $"'ladle serve' at {Url} answered {(int)response.StatusCode} when asked to {what}: {body}");
            }
        }
    }

    /// <summary>
    /// Runs a command on the store when this process can open it, or on the running server that holds it:
    /// the one place CLI commands decide between the two.
    /// </summary>
    public static async Task<int> OpenOrAskAsync(ProjectDefinition project, Func<Engine.LadleEngine, Task<int>> locally,
        Func<RunningServer, Task<int>> remotely, CancellationToken cancellationToken, bool quiet = false)
    {
        Engine.LadleEngine engine;
        try
        {
            engine = await Engine.LadleEngine.OpenAsync(project, cancellationToken: cancellationToken);
        }
        catch (Engine.Store.StoreBusyException) when (Find(project) is { } server)
        {
            // Output that is data (a query's csv) must not start with a note: it goes to stderr then.
            if (quiet) await Console.Error.WriteLineAsync($"The store is held by ladle serve (process {server.Pid}, {server.Url}): asking it.");
            else Spectre.Console.AnsiConsole.MarkupLine($"The store is held by [bold]ladle serve[/] (process {server.Pid}, {Spectre.Console.Markup.Escape(server.Url)}): asking it to run them.");
            return await remotely(server);
        }
        await using (engine) return await locally(engine);
    }

    /// <summary>A dataset named on the command line, or a 404-style error with the closest name.</summary>
    public static DatasetDefinition Dataset(ProjectDefinition project, string name) => Engine.RunOrder.Find(project, name);

    /// <summary>The option that carries an admin token to a running server.</summary>
    public static System.CommandLine.Option<string?> TokenOption() => new("--token")
    {
        Description = "An admin token for a running `ladle serve` without --dev (default: the LADLE_TOKEN environment variable).",
    };

    public static string? TokenFrom(string? option) => option ?? Environment.GetEnvironmentVariable("LADLE_TOKEN");
}
