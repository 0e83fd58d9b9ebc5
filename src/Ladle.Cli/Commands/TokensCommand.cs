using System.CommandLine;
using System.Globalization;
using Ladle.Core.Loading;
using Ladle.Engine.Access;
using Ladle.Engine.State;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle tokens create|list|revoke`: API tokens for the principals of access.yaml.</summary>
internal static class TokensCommand
{
    public static Command Create()
    {
        var command = new Command("tokens", "API tokens: create (the secret is shown once), list, revoke.");
        command.Subcommands.Add(CreateToken());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revoke());
        return command;
    }

    private static Command CreateToken()
    {
        var project = CliOptions.Project();
        var principal = new Option<string>("--principal") { Description = "A principal of access.yaml.", Required = true };
        var expires = new Option<string?>("--expires") { Description = "Lifetime, e.g. 30d or 12h (default: never)." };
        var description = new Option<string?>("--description") { Description = "What the token is for." };
        var create = new Command("create", "Create a token; it is printed once and only its salted hash is kept.") { project, principal, expires, description };
        create.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            TimeSpan? lifetime = null;
            if (parse.GetValue(expires) is { } text)
            {
                if (!Durations.TryParse(text, out var span)) throw new Core.Errors.InvalidRequestException($"--expires '{text}' is not a duration ({Durations.Expected})", "expires");
                lifetime = span;
            }
            await using var state = await StateStoreFactory.OpenAsync(loaded, ct);
            var (token, record) = await new TokenService(loaded, state).CreateAsync(parse.GetValue(principal)!, lifetime, parse.GetValue(description), ct);
            Console.WriteLine(token);
            await Console.Error.WriteLineAsync($"token {record.Id} for '{record.Principal}'{(record.ExpiresAt is { } e ? $", expires {e.UtcDateTime:yyyy-MM-dd HH:mm}Z" : "")}: keep it now, it is not shown again");
            return CliRunner.Ok;
        }));
        return create;
    }

    private static Command List()
    {
        var project = CliOptions.Project();
        var list = new Command("list", "List tokens (ids, principals, expiry, revocation, last use; never secrets).") { project };
        list.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await using var state = await StateStoreFactory.OpenAsync(loaded, ct);
            var table = new Table().AddColumns("id", "principal", "created", "expires", "revoked", "last used", "description");
            static string At(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";
            foreach (var t in await state.ListTokensAsync(ct))
                table.AddRow(t.Id, Markup.Escape(t.Principal), At(t.CreatedAt), At(t.ExpiresAt), At(t.RevokedAt), At(t.LastUsedAt), Markup.Escape(t.Description ?? ""));
            AnsiConsole.Write(table);
            return CliRunner.Ok;
        }));
        return list;
    }

    private static Command Revoke()
    {
        var project = CliOptions.Project();
        var id = new Argument<string>("id") { Description = "The token's id (from 'ladle tokens list')." };
        var revoke = new Command("revoke", "Revoke a token; the next request with it is refused.") { project, id };
        revoke.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            await using var state = await StateStoreFactory.OpenAsync(loaded, ct);
            if (await state.RevokeTokenAsync(parse.GetValue(id)!, DateTimeOffset.UtcNow, ct))
            {
                // Web UI sessions opened with it end too (a server would refuse them anyway, on their next request).
                var sessions = await state.DeleteWebSessionsOfTokenAsync(parse.GetValue(id)!, ct);
                AnsiConsole.MarkupLine($"revoked {Markup.Escape(parse.GetValue(id)!)}{(sessions > 0 ? $" and ended its {sessions} web session(s)" : "")}");
                return CliRunner.Ok;
            }
            CliRunner.Error($"no live token with id '{parse.GetValue(id)}'");
            return CliRunner.Failed;
        }));
        return revoke;
    }
}
