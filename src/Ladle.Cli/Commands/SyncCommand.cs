using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Ladle.Server.Contracts;
using Ladle.Syncs;
using Ladle.Syncs.Delivery;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>
/// `ladle sync list|plan|run|history|rejections`: reverse ETL from the command line. plan and run read through the
/// read pipeline as the sync's principal (audited under interface sync); with `ladle serve` holding the store they
/// are asked of it. history and rejections read the state store, which the server shares.
/// </summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var command = new Command("sync", "Reverse ETL: list, plan, run and inspect the syncs of syncs/*.yaml.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Plan());
        command.Subcommands.Add(Run());
        command.Subcommands.Add(History());
        command.Subcommands.Add(Rejections());
        return command;
    }

    private static Command List()
    {
        var project = CliOptions.Project();
        var command = new Command("list", "The project's syncs and their last run.") { project };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await using var state = await StateStoreFactory.OpenAsync(loaded, ct);
            var table = new Table().AddColumns("sync", "dataset", "destination", "mode", "principal", "trigger", "last run", "status");
            foreach (var sync in loaded.Syncs)
            {
                var last = (await state.ListSyncRunsAsync(sync.Name, 1, ct)).FirstOrDefault();
                table.AddRow(sync.Name, sync.Dataset, sync.Destination.Kind.ToString().ToLowerInvariant(), sync.Mode.ToString().ToLowerInvariant(), sync.Principal,
                    Markup.Escape(sync.Schedule ?? (sync.OnPublish ? "on publish" : "manual")), At(last?.StartedAt), last?.Status ?? "never");
            }
            AnsiConsole.Write(table);
            return CliRunner.Ok;
        }));
        return command;
    }

    private static Command Plan()
    {
        var (project, name, json, token) = (CliOptions.Project(), new Argument<string>("name"), JsonOption(), RunningServer.TokenOption());
        var command = new Command("plan", "What a run would send now (counts and sample rows); nothing is sent.") { project, name, json, token };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var sync = parse.GetValue(name)!;
            return await RunningServer.OpenOrAskAsync(loaded,
                async engine => Print(await ServiceOver(engine, loaded, (service, c) => service.PlanAsync(sync, c), ct), parse.GetValue(json)),
                async server => Print(Answer(await server.PostAsync<SyncPlan>($"/api/v1/syncs/{Uri.EscapeDataString(sync)}/plan", RunningServer.TokenFrom(parse.GetValue(token)), $"plan sync '{sync}'", ct)), parse.GetValue(json)),
                ct, quiet: parse.GetValue(json));
        }));
        return command;
    }

    private static Command Run()
    {
        var (project, name, json, token) = (CliOptions.Project(), new Argument<string>("name"), JsonOption(), RunningServer.TokenOption());
        var planOption = new Option<string>("--plan") { Description = "Apply exactly this plan (the id 'ladle sync plan' prints); refused, with nothing sent, when the source or the ledger moved since." };
        var command = new Command("run", "Runs the sync now: plans, then delivers through the ledger. Exit code 0 only when every row was acknowledged.") { project, name, json, token, planOption };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var sync = parse.GetValue(name)!;
            var plan = parse.GetValue(planOption);
            var query = plan is null ? "" : "?plan=" + Uri.EscapeDataString(plan);
            return await RunningServer.OpenOrAskAsync(loaded,
                async engine => Print(await ServiceOver(engine, loaded, (service, c) => service.RunAsync(sync, "cli", plan, c), ct), parse.GetValue(json)),
                async server => Print(Answer(await server.PostAsync<SyncRunRecord>($"/api/v1/syncs/{Uri.EscapeDataString(sync)}/run{query}", RunningServer.TokenFrom(parse.GetValue(token)), $"run sync '{sync}'", ct)), parse.GetValue(json)),
                ct, quiet: parse.GetValue(json));
        }));
        return command;
    }

    private static Command History()
    {
        var (project, name, json) = (CliOptions.Project(), new Argument<string>("name"), JsonOption());
        var command = new Command("history", "A sync's runs, newest first.") { project, name, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var sync = Find(loaded, parse.GetValue(name)!);
            await using var state = await StateStoreFactory.OpenAsync(loaded, ct);
            var runs = await state.ListSyncRunsAsync(sync, 50, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(runs, ApiJson.Options));
                return CliRunner.Ok;
            }
            var table = new Table().AddColumns("run", "trigger", "started", "finished", "status", "version", "creates", "updates", "deletes", "unchanged", "refused", "sent", "acked", "rejected", "error");
            foreach (var r in runs)
                table.AddRow(N(r.Id), r.Trigger, At(r.StartedAt), At(r.FinishedAt), r.Status, r.SourceVersion is { } v ? N(v) : "", N(r.Creates), N(r.Updates), N(r.Deletes),
                    N(r.Unchanged), N(r.Refused), N(r.Sent), N(r.Acknowledged), N(r.Rejected), Markup.Escape(r.Error ?? ""));
            AnsiConsole.Write(table);
            return CliRunner.Ok;
        }));
        return command;
    }

    private static Command Rejections()
    {
        var (project, name, json) = (CliOptions.Project(), new Argument<string>("name"), JsonOption());
        var command = new Command("rejections", "Rows the destination rejected, still owed, with its reasons.") { project, name, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var sync = Find(loaded, parse.GetValue(name)!);
            await using var state = await StateStoreFactory.OpenAsync(loaded, ct);
            var rows = await state.ListSyncRowsAsync(sync, SyncRowStatus.Rejected, 1_000, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, ApiJson.Options));
                return CliRunner.Ok;
            }
            var table = new Table().AddColumns("key", "operation", "run", "when", "reason");
            foreach (var r in rows)
                table.AddRow(Markup.Escape(r.Key), r.Operation.ToString().ToLowerInvariant(), N(r.RunId), At(r.UpdatedAt), Markup.Escape(r.Reason ?? ""));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]{rows.Count:N0} row(s) owed; they are sent again once their data changes[/]");
            return CliRunner.Ok;
        }));
        return command;
    }

    /// <summary>A sync service over an engine this process opened: the same pipeline the server uses, audited, as the sync's principal.</summary>
    private static async Task<T> ServiceOver<T>(LadleEngine engine, ProjectDefinition project, Func<SyncService, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var policy = new AccessPolicy(project, MaskKey.Load(Path.GetDirectoryName(project.StatePath)!), devAnonymousIsAdmin: false);
        await using var audit = new AuditWriter(engine.State, NullLogger<AuditWriter>.Instance);
        var pipeline = new ReadPipeline(project, engine.Reader, engine.Schemas, engine.Semantic, engine.Trust, policy, audit);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var service = new SyncService(project, pipeline, engine.Store, engine.State, new SyncDestinations(http));
        return await work(service, ct);
    }

    private static T Answer<T>(ServerAnswer<T> answer) where T : class =>
        answer.Body ?? throw new Core.Errors.InvalidRequestException(answer.Problem?.Detail ?? $"the server answered {(int)answer.Status}", "sync");

    private static int Print(SyncPlan plan, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(plan, ApiJson.Options));
            return CliRunner.Ok;
        }
        var c = plan.Counts;
        AnsiConsole.MarkupLine($"Plan [bold]{plan.Id}[/]: sync [bold]{Markup.Escape(plan.Sync)}[/] ({plan.Mode}) from [bold]{Markup.Escape(plan.Dataset)}[/] version {plan.SourceVersion} ({plan.SourceStatus})");
        var counts = new Table().AddColumns("source rows", "create", "update", "delete", "unchanged", "refused", "owed");
        counts.AddRow(N(c.SourceRows), N(c.Creates), N(c.Updates), N(c.Deletes), N(c.Unchanged), N(c.Refused), N(c.Owed));
        AnsiConsole.Write(counts);
        if (plan.Samples.Count > 0)
        {
            var samples = new Table().AddColumns("kind", "key", "before", "after", "reason");
            foreach (var s in plan.Samples)
                samples.AddRow(s.Kind, Markup.Escape(s.Key ?? "(null)"), Markup.Escape(s.Before ?? (s.BeforeHash is { } hash ? "md5 " + hash : "")), Markup.Escape(s.After ?? ""), Markup.Escape(s.Reason ?? ""));
            AnsiConsole.Write(samples);
        }
        AnsiConsole.MarkupLine(c.ToSend == 0 ? "[grey]nothing to send[/]" : $"[grey]{c.ToSend:N0} row(s) to send: ladle sync run {Markup.Escape(plan.Sync)} --plan {plan.Id}[/]");
        return CliRunner.Ok;
    }

    private static int Print(SyncRunRecord run, bool json)
    {
        if (json) Console.WriteLine(JsonSerializer.Serialize(run, ApiJson.Options));
        else
        {
            AnsiConsole.MarkupLine($"Sync [bold]{Markup.Escape(run.Sync)}[/] run {run.Id}: [bold]{run.Status}[/] — {run.Acknowledged:N0} acknowledged, {run.Rejected:N0} rejected, " +
                                   $"{run.Unchanged:N0} unchanged, {run.Refused:N0} refused, {run.Owed:N0} owed");
            if (run.Error is { } error) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(error)}[/]");
        }
        return run.Status == "succeeded" ? CliRunner.Ok : CliRunner.Failed;
    }

    private static string Find(ProjectDefinition project, string name) =>
        project.Syncs.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))?.Name
        ?? throw new SyncNotFoundException(name, project.Syncs.Select(s => s.Name).ToList());

    private static Option<bool> JsonOption() => new("--json") { Description = "Print the answer as JSON (the REST API's shape)." };

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string At(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
}
