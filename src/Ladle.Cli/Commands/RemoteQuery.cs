using System.Net;
using System.Text;
using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Access;
using Ladle.Server.Contracts;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>
/// `ladle query` while `ladle serve` holds the store: the statement goes to the server's owner endpoint
/// (POST /api/v1/sql, over loopback, with the owner key only this user can read), which runs it as the local owner
/// and streams csv, json or ndjson exactly as the local run writes them; a table is drawn from its ndjson.
/// </summary>
internal static class RemoteQuery
{
    public static async Task RunAsync(ProjectDefinition project, RunningServer server, string sql, string format, int maxRows, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sql?format={(format == "table" ? "ndjson" : format)}")
        {
            Content = new StringContent(sql, Encoding.UTF8, "text/plain"),
        };
        using (var response = await SendAsOwnerAsync(http, request, project, server, ct))
        {
            if (!response.IsSuccessStatusCode) throw await ProblemAsync(response, "sql", ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            if (format != "table")
            {
                await using var stdout = Console.OpenStandardOutput();
                await body.CopyToAsync(stdout, ct);
                return;
            }
            await PrintTableAsync(body, maxRows, ct);
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> to the running server as the project's owner (the owner key only this user can
    /// read), answering as soon as the headers arrive; a server that does not answer is the clear error every command
    /// that forwards to it gives.
    /// </summary>
    internal static async Task<HttpResponseMessage> SendAsOwnerAsync(HttpClient http, HttpRequestMessage request, ProjectDefinition project, RunningServer server, CancellationToken ct)
    {
        request.Headers.Add(OwnerKey.Header, OwnerKey.Load(Path.GetDirectoryName(project.StatePath)!));
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            throw new SourceUnavailableException("ladle serve", $"the store is in use by 'ladle serve' (process {server.Pid}), which does not answer at {server.Url}: {e.Message}; stop it and run this again", e);
        }
    }

    /// <summary>The server's refusal as the error a local run would raise (<paramref name="parameter"/>: what a 400 is about).</summary>
    internal static async Task<Exception> ProblemAsync(HttpResponseMessage response, string parameter, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        string? detail;
        try { detail = JsonSerializer.Deserialize<ApiProblem>(text, ApiJson.Options)?.Detail; }
        catch (JsonException) { detail = null; }
        detail ??= $"'ladle serve' answered {(int)response.StatusCode}: {text}";
        return response.StatusCode switch
        {
            HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized => new ForbiddenException(detail),
            HttpStatusCode.ServiceUnavailable => new SourceUnavailableException("ladle serve", detail),
            HttpStatusCode.NotFound => new NotFoundException(detail),
            _ => new InvalidRequestException(detail, parameter),
        };
    }

    /// <summary>The table `ladle query` draws locally, from the server's ndjson (one object per row, columns in order).</summary>
    private static async Task PrintTableAsync(Stream ndjson, int maxRows, CancellationToken ct)
    {
        using var reader = new StreamReader(ndjson, Encoding.UTF8);
        Table? table = null;
        long shown = 0, total = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0) continue;
            total++;
            if (shown >= maxRows) continue;
            using var row = JsonDocument.Parse(line);
            if (table is null)
            {
                table = new Table();
                foreach (var property in row.RootElement.EnumerateObject())
                {
                    var column = new TableColumn(Markup.Escape(property.Name));
                    if (property.Value.ValueKind == JsonValueKind.Number) column.RightAligned();
                    table.AddColumn(column);
                }
            }
            table.AddRow(row.RootElement.EnumerateObject().Select(p => Markup.Escape(p.Value.ValueKind switch
            {
                JsonValueKind.Null => "NULL",
                JsonValueKind.String => p.Value.GetString()!,
                _ => p.Value.GetRawText(),
            })).ToArray());
            shown++;
        }
        if (table is not null) AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(total > shown
            ? $"[grey]{total:N0} rows, first {shown:N0} shown (--max-rows, or --format csv for all)[/]"
            : $"[grey]{total:N0} row(s)[/]");
    }
}
