using Ladle.Core.Errors;

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
            // One line per error, never wrapped, like a compiler: editors and grep can jump to file:line:column.
            foreach (var d in e.Diagnostics) await Console.Error.WriteLineAsync(d.ToString());
            await Console.Error.WriteLineAsync($"{e.Diagnostics.Count} error(s); nothing was run.");
            return Failed;
        }
        catch (LadleException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cancelled");
            return 130;
        }
    }

    /// <summary>Writes an error line to stderr, unwrapped.</summary>
    public static void Error(string message) => Console.Error.WriteLine($"error: {message}");
}
