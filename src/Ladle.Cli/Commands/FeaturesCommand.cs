using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Core.Features;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle features list` and `ladle features training-set --entities rows.csv --service churn --output train.parquet`.</summary>
internal static class FeaturesCommand
{
    /// <summary>Output formats by file extension.</summary>
    private static readonly Dictionary<string, string> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        [".parquet"] = "parquet", [".csv"] = "csv", [".json"] = "json", [".ndjson"] = "ndjson", [".jsonl"] = "ndjson",
    };

    public static Command Create()
    {
        var command = new Command("features", "ML features: list the feature views and services, build point-in-time training sets.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(TrainingSet());
        return command;
    }

    private static Command List()
    {
        var project = CliOptions.Project();
        var command = new Command("list", "Every feature view (dataset, entities, times, TTL, features) and feature service.") { project };
        command.SetAction((parse, _) => CliRunner.RunAsync(() =>
        {
            var features = ProjectLoader.Load(parse.GetValue(project)!.FullName).Features;
            if (features.Views.Count == 0)
            {
                AnsiConsole.MarkupLine("[grey]No feature views: define them in features/*.yaml (feature_views, feature_services).[/]");
                return Task.FromResult(CliRunner.Ok);
            }
            var views = new Table().AddColumns("view", "dataset", "entities", "event (created)", "ttl", "feature", "type", "computed as");
            foreach (var view in features.Views)
                for (var i = 0; i < view.Features.Count; i++)
                {
                    var feature = view.Features[i];
                    var first = i == 0;
                    views.AddRow(
                        first ? Markup.Escape(view.Name) : "",
                        first ? Markup.Escape(view.Dataset.Name) : "",
                        first ? Markup.Escape(string.Join(", ", view.Entities)) : "",
                        first ? Markup.Escape(view.EventTimestamp + (view.CreatedTimestamp is { } c ? $" ({c})" : "")) : "",
                        first ? (view.Ttl is { } ttl ? Durations.Format(ttl) : "none") : "",
                        Markup.Escape(feature.Name),
                        feature.Type.Name(),
                        Markup.Escape(Describe(feature)));
                }
            AnsiConsole.Write(views);
            if (features.Services.Count > 0)
            {
                var services = new Table().AddColumns("service", "features", "description");
                foreach (var service in features.Services)
                    services.AddRow(Markup.Escape(service.Name), Markup.Escape(string.Join(", ", service.Features.Select(f => f.FullName))), Markup.Escape(service.Description ?? ""));
                AnsiConsole.Write(services);
            }
            AnsiConsole.MarkupLine($"[grey]{features.Views.Count} view(s), {features.Views.Sum(v => v.Features.Count)} feature(s), {features.Services.Count} service(s)[/]");
            return Task.FromResult(CliRunner.Ok);
        }));
        return command;
    }

    private static string Describe(FeatureDefinition feature)
    {
        var input = feature.Column ?? (feature.Sql is { } sql ? $"({sql})" : "*");
        return feature.Aggregate is { } a ? $"{a.FunctionName}({input}) over {Durations.Format(a.Window)}" : input;
    }

    private static Command TrainingSet()
    {
        var project = CliOptions.Project();
        var entities = new Option<FileInfo?>("--entities", "-e") { Description = "Entity rows: a .csv or .parquet file with event_timestamp and the entity key columns (other columns, labels say, are kept)." };
        var entityDataset = new Option<string?>("--entity-dataset") { Description = "A dataset whose rows are the entity rows (instead of --entities)." };
        var service = new Option<string?>("--service", "-s") { Description = "The feature service to join." };
        var features = new Option<string[]>("--features", "-f") { Description = "Features as view.feature or view.* (instead of --service); repeat or separate with commas.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The file to write; its extension says the format: .parquet, .csv, .json, .ndjson.", Required = true };
        var command = new Command("training-set", "A point-in-time training set: each entity row gets every feature as it was known at its event_timestamp.")
        {
            project, entities, entityDataset, service, features, output,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var target = parse.GetValue(output)!;
            if (!Formats.TryGetValue(target.Extension, out var format))
                throw new InvalidRequestException($"--output '{target.Name}' has no known extension; end it with {string.Join(", ", Formats.Keys)}", "--output");
            var file = parse.GetValue(entities);
            var dataset = parse.GetValue(entityDataset);
            if ((file is null) == string.IsNullOrWhiteSpace(dataset))
                throw new InvalidRequestException("give the entity rows with --entities FILE (.csv or .parquet) or --entity-dataset NAME, one of the two", "--entities");
            string? entityFormat = null;
            if (file is not null)
            {
                if (!file.Exists) throw new InvalidRequestException($"--entities '{file.FullName}' does not exist", "--entities");
                entityFormat = file.Extension.ToLowerInvariant() switch
                {
                    ".csv" => "csv",
                    ".parquet" => "parquet",
                    _ => throw new InvalidRequestException($"--entities '{file.Name}' must be a .csv or .parquet file", "--entities"),
                };
            }
            var names = (parse.GetValue(features) ?? []).SelectMany(f => f.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var serviceName = parse.GetValue(service);
            return await RunningServer.OpenOrAskAsync(loaded,
                async engine =>
                {
                    await using var sink = new FileSink(target.FullName, format);
                    await LocalReads.ServeAsync(engine, principal => new TrainingSetRequest
                    {
                        Principal = principal, Interface = LocalReads.Interface, FeatureService = serviceName, Features = names,
                        EntityFile = file?.FullName, EntityFormat = entityFormat, EntityDataset = dataset,
                    }, sink, ct);
                    await sink.CompleteAsync();
                    Report(target);
                    return CliRunner.Ok;
                },
                async server =>
                {
                    await RemoteAsync(loaded, server, file, entityFormat, dataset, serviceName, names, format, target, ct);
                    Report(target);
                    return CliRunner.Ok;
                }, ct, quiet: true);
        }));
        return command;
    }

    private static void Report(FileInfo target)
    {
        target.Refresh();
        Console.Error.WriteLine($"Wrote {target.FullName} ({target.Length:N0} bytes).");
    }

    /// <summary>The training set from the running server (it holds the store), as the owner, written to the file as it streams.</summary>
    private static async Task RemoteAsync(ProjectDefinition project, RunningServer server, FileInfo? file, string? entityFormat, string? dataset, string? service,
        List<string> names, string format, FileInfo target, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/features/training-set");
        await using var upload = file?.OpenRead();
        if (upload is not null)
        {
            var query = new StringBuilder("?format=").Append(format);
            if (!string.IsNullOrWhiteSpace(service)) query.Append("&feature_service=").Append(Uri.EscapeDataString(service));
            if (names.Count > 0) query.Append("&features=").Append(Uri.EscapeDataString(string.Join(',', names)));
            request.RequestUri = new Uri("/api/v1/features/training-set" + query, UriKind.Relative);
            request.Content = new StreamContent(upload);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(entityFormat == "csv" ? "text/csv" : "application/vnd.apache.parquet");
        }
        else
        {
            var body = new Dictionary<string, object?> { ["entity_dataset"] = dataset, ["format"] = format };
            if (!string.IsNullOrWhiteSpace(service)) body["feature_service"] = service;
            if (names.Count > 0) body["features"] = names;
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        using (var response = await RemoteQuery.SendAsOwnerAsync(http, request, project, server, ct))
        {
            if (!response.IsSuccessStatusCode) throw await RemoteQuery.ProblemAsync(response, "features", ct);
            var partial = target.FullName + ".partial";
            try
            {
                await using (var stream = File.Create(partial))
                    await response.Content.CopyToAsync(stream, ct);
                File.Move(partial, target.FullName, overwrite: true);
            }
            finally
            {
                if (File.Exists(partial)) File.Delete(partial);
            }
        }
    }
}
