using System.CommandLine;
using System.Globalization;
using Ladle.Core.Loading;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Queries;
using Ladle.Engine;
using Ladle.Engine.Serving;
using Ladle.Engine.Trust;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle metrics list` and `ladle metrics query revenue --by region --grain month --last 12months`.</summary>
internal static class MetricsCommand
{
    public static Command Create()
    {
        var command = new Command("metrics", "List the project's metrics, or query them by dimensions and time.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Query());
        return command;
    }

    private static Command List()
    {
        var project = CliOptions.Project();
        var command = new Command("list", "Every metric: kind, description, owner, and the dimensions it can be grouped by.") { project };
        command.SetAction((parse, _) => CliRunner.RunAsync(() =>
        {
            var layer = ProjectLoader.Load(parse.GetValue(project)!.FullName).Semantic;
            if (layer.Metrics.Count == 0)
            {
                AnsiConsole.MarkupLine("[grey]No metrics: describe datasets in models/*.yaml (entities, dimensions, measures, metrics).[/]");
                return Task.FromResult(CliRunner.Ok);
            }
            var table = new Table().AddColumns("metric", "kind", "description", "owner", "time", "group by");
            foreach (var metric in layer.Metrics)
            {
                var models = layer.MeasuresOf(metric.Name).Select(layer.ModelOf).Distinct().ToList();
                var time = string.Join(", ", models.Where(m => m.DefaultTime is not null).Select(m => $"{m.Name}.{m.DefaultTime}").Distinct());
                var dimensions = layer.GroupableBy(metric);
                table.AddRow(
                    Markup.Escape(metric.Name),
                    metric.Kind.ToString().ToLowerInvariant(),
                    Markup.Escape(metric.Description ?? ""),
                    Markup.Escape(metric.Owner ?? ""),
                    Markup.Escape(time),
                    Markup.Escape(string.Join(", ", dimensions.Take(12)) + (dimensions.Count > 12 ? $" (+{dimensions.Count - 12})" : "")));
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]{layer.Metrics.Count} metric(s) over {layer.Models.Count} model(s), compiled in {layer.CompileTime.TotalMilliseconds:F1} ms[/]");
            return Task.FromResult(CliRunner.Ok);
        }));
        return command;
    }

    private static Command Query()
    {
        var project = CliOptions.Project();
        var metrics = new Argument<string[]>("metric") { Arity = ArgumentArity.OneOrMore, Description = "Metrics to compute (names or comma-separated lists)." };
        var by = new Option<string[]>("--by", "-b") { Description = "Dimensions to group by (repeatable, or comma-separated): region, customers.region.", AllowMultipleArgumentsPerToken = true };
        var grain = new Option<string?>("--grain", "-g") { Description = "Time bucket: hour, day, week, month, quarter or year." };
        var last = new Option<string?>("--last") { Description = "The last N whole periods before the current one: 12months, 30days, 8weeks." };
        var range = new Option<string?>("--range") { Description = "A range: this month, last 30 days, 2026-01-01..2026-04-01 (end excluded)." };
        var zone = new Option<string?>("--zone") { Description = "IANA time zone for buckets and ranges (default: the time dimension's)." };
        var time = new Option<string?>("--time") { Description = "The time dimension (default: each metric's own)." };
        var filters = new Option<string[]>("--filter", "-f") { Description = "dimension:op:value or metric:op:value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var order = new Option<string?>("--order") { Description = "name[:asc|desc], comma-separated." };
        var limit = new Option<string?>("--limit") { Description = "Most rows to return." };
        var fill = new Option<string?>("--fill") { Description = "none (default), zero or null: show periods without data." };
        var format = new Option<string>("--format") { Description = "table (default), csv, json or ndjson.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json", "ndjson");
        var explain = new Option<bool>("--explain") { Description = "Print the compiled SQL and what would answer (cache, rollup), without running it." };
        var command = new Command("query", "Compute metrics by dimensions and time, from the published versions.")
        {
            project, metrics, by, grain, last, range, zone, time, filters, order, limit, fill, format, explain,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var lastText = parse.GetValue(last);
            var rangeText = parse.GetValue(range);
            if (lastText is not null && rangeText is not null)
                throw new Core.Errors.InvalidRequestException("give --last or --range, not both", "range");
            var query = new MetricQuery
            {
                Metrics = parse.GetValue(metrics) ?? [],
                Dimensions = parse.GetValue(by) ?? [],
                Granularity = parse.GetValue(grain),
                Range = lastText is not null ? "last " + lastText : rangeText,
                Zone = parse.GetValue(zone),
                TimeDimension = parse.GetValue(time),
                Filters = parse.GetValue(filters) ?? [],
                Order = parse.GetValue(order) is { } o ? [o] : [],
                Limit = parse.GetValue(limit),
                Fill = parse.GetValue(fill),
            };
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await using var engine = await LadleEngine.OpenAsync(loaded, cancellationToken: ct);
            var plan = engine.Semantic.Plan(query);
            if (parse.GetValue(explain))
            {
                await using var execution = engine.Semantic.Open(plan);
                await Console.Out.WriteLineAsync($"-- runs in {execution.Engine}; answered by {execution.AnsweredBy}{(execution.NotCachedReason is { } why ? $"; not cached: {why}" : "")}");
                foreach (var verdict in execution.Rollups)
                    await Console.Out.WriteLineAsync($"-- rollup {verdict.Rollup} ({verdict.Node}): {(verdict.Used ? "used" : "not used")}, {verdict.Reason}");
                for (var i = 0; i < execution.Sql.Parameters.Count; i++)
                    await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"-- parameter {i + 1}: {Format(execution.Sql.Parameters[i])}"));
                await Console.Out.WriteLineAsync(execution.Sql.Text + ";");
                return CliRunner.Ok;
            }
            var chosen = parse.GetValue(format)!;
            var sink = new ConsoleSink(chosen, int.MaxValue);
            await LocalReads.ServeAsync(engine, principal => new MetricsRequest { Principal = principal, Interface = LocalReads.Interface, Query = query }, sink, ct);
            if (chosen != "table") return CliRunner.Ok;
            var statuses = sink.Answer!.Datasets;
            var worst = statuses.Count == 0 ? DataStatus.Ok : statuses.Max(s => s.Health.Status);
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(string.Join(", ", statuses.Select(s => $"{s.Dataset} {(s.Version is { } v ? "v" + v.ToString(CultureInfo.InvariantCulture) : "live")} {s.Health.StatusName}")))}; " +
                                   $"zone {TimeZones.IdOf(plan.Zone)}{(plan.Range is { } r ? $"; range {Markup.Escape(r.ToString())}" : "")}[/]");
            return worst is DataStatus.Failed or DataStatus.Unavailable ? CliRunner.Failed : CliRunner.Ok;
        }));
        return command;
    }

    private static string Format(object value) => value switch
    {
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " (UTC)",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string s => "'" + s + "'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
