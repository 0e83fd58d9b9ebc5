using System.CommandLine;
using Ladle.Cli.Commands;

namespace Ladle.Cli;

/// <summary>The `ladle` command and its subcommands.</summary>
public static class LadleCommandLine
{
    /// <summary>
    /// Tables use the terminal's width; when output goes to a file or pipe, COLUMNS or a wide default, so
    /// rows are not wrapped at 80 columns.
    /// </summary>
    public static void FitConsole()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 20)
            Spectre.Console.AnsiConsole.Profile.Width = columns;
        else if (Console.IsOutputRedirected)
            Spectre.Console.AnsiConsole.Profile.Width = 200;
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("Ladle serves trusted data to the people and programs who act on it.");
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(MaterializeCommand.Create());
        root.Subcommands.Add(QueryCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(VersionsCommand.Create());
        root.Subcommands.Add(ChecksCommand.Create());
        root.Subcommands.Add(TokensCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(AccessCommand.Create());
        root.Subcommands.Add(MetricsCommand.Create());
        root.Subcommands.Add(RecoverCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(SyncCommand.Create());
        root.Subcommands.Add(FeaturesCommand.Create());
        return root;
    }
}
