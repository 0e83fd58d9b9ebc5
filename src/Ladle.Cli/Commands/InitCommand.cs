using System.CommandLine;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle init [DIR]`: a starter project that validates, materializes and serves as it is.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo>("dir") { Description = "Where to create the project.", DefaultValueFactory = _ => new DirectoryInfo(Directory.GetCurrentDirectory()) };
        var command = new Command("init", "Create a starter project: ladle.yaml, one dataset over a CSV file.") { directory };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var dir = parse.GetValue(directory)!.FullName;
            if (File.Exists(Path.Combine(dir, "ladle.yaml")))
            {
                CliRunner.Error($"{dir} already holds a ladle.yaml; nothing was changed");
                return CliRunner.Failed;
            }
            await WriteAsync(dir, ct);
            AnsiConsole.MarkupLine($"[green]Created[/] a Ladle project in {Markup.Escape(dir)}. Next: [bold]ladle serve --project {Markup.Escape(dir)} --dev[/]");
            return CliRunner.Ok;
        }));
        return command;
    }

    public static async Task WriteAsync(string dir, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(dir, "datasets"));
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        var name = new string(Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)).Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray());
        await File.WriteAllTextAsync(Path.Combine(dir, "ladle.yaml"), $"""
            name: {(name.Length == 0 ? "my_project" : name)}
            description: A Ladle project. Sources say where data lives; datasets/ says what is served.
            sources:
              local_files:
                kind: files
                path: data
            server:
              http: 127.0.0.1:8080

            """, ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "datasets", "cities.yaml"), """
            name: cities
            domain: reference
            owner: you@example.com
            description: Cities with their country and population; an example to replace with your own data.
            source: local_files
            table: cities.csv
            materialization: table
            schedule: "0 * * * *"
            primary_key: [city]
            columns:
              - name: city
                type: string
                description: City name.
              - name: country
                type: string
                description: ISO 3166 alpha-2 country code.
              - name: population
                type: integer
                description: Inhabitants, latest census.
            # Run before every publication: an error check that fails keeps the previous version served.
            checks:
              - { type: unique, column: city }
              - { type: regex, column: country, pattern: "[A-Z]{2}" }
              - { type: range, column: population, min: 0, severity: warn }

            """, ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "data", "cities.csv"), """
            city,country,population
            Lisbon,PT,545796
            Berlin,DE,3755251
            Nairobi,KE,4397073
            Osaka,JP,2752412
            Bogotá,CO,7901653

            """, ct);
        await File.WriteAllTextAsync(Path.Combine(dir, ".gitignore"), ".ladle/\n", ct);
    }
}
