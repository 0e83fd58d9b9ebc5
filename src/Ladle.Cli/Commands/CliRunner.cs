using Ladle.Core.Errors;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>Runs a command body and turns Ladle's errors into readable output and an exit code.</summary>
internal static class CliRunner
{
    public const int Ok = 0;
    public const int Failed = 1;

    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ProjectValidationException e)
        {
            var err = Error();
            foreach (var d in e.Diagnostics) err.MarkupLine($"[red]{Markup.Escape(d.ToString())}[/]");
            err.MarkupLine($"[red]{e.Diagnostics.Count} error(s); nothing was run.[/]");
            return Failed;
        }
        catch (LadleException e)
        {
            Error().MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            Error().MarkupLine("[yellow]cancelled[/]");
            return 130;
        }
    }

    public static IAnsiConsole Error() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}
