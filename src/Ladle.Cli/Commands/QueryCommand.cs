using System.CommandLine;
using System.Globalization;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine;
using Spectre.Console;

namespace Ladle.Cli.Commands;

/// <summary>`ladle query "SQL"`: SQL over the store's datasets, as a table on the terminal or csv/json on stdout.</summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var project = CliOptions.Project();
        var sql = new Argument<string>("sql") { Description = "DuckDB SQL; every published dataset is a view by its name." };
        var format = new Option<string>("--format", "-f") { Description = "table (default), csv, json or ndjson.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json", "ndjson");
        var maxRows = new Option<int>("--max-rows") { Description = "Rows shown in table format.", DefaultValueFactory = _ => 100 };
        var command = new Command("query", "Run SQL over the published datasets in the embedded store.") { project, sql, format, maxRows };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var loaded = ProjectLoader.Load(parse.GetValue(project)!.FullName);
            var text = parse.GetValue(sql)!;
            return await RunningServer.OpenOrAskAsync(loaded,
                async engine =>
                {
                    // The owner's SQL is unrestricted, but it goes through the read path like every read, and is audited.
                    await LocalReads.ServeAsync(engine, principal => new Engine.Serving.TrustedSqlRequest { Principal = principal, Interface = LocalReads.Interface, Sql = text },
                        new ConsoleSink(parse.GetValue(format)!, parse.GetValue(maxRows)), ct);
                    return CliRunner.Ok;
                },
                async server =>
                {
                    await RemoteQuery.RunAsync(loaded, server, text, parse.GetValue(format)!, parse.GetValue(maxRows), ct);
                    return CliRunner.Ok;
                }, ct, quiet: true);
        }));
        return command;
    }

    internal static async Task PrintTableAsync(Ladle.Engine.Results.ResultStream result, int maxRows, CancellationToken ct)
    {
        var table = new Table();
        foreach (var c in result.Schema.Columns)
        {
            var column = new TableColumn(Markup.Escape(c.Name));
            if (c.Type is LadleType.Integer or LadleType.Double or LadleType.Decimal) column.RightAligned();
            table.AddColumn(column);
        }
        long shown = 0, total = 0;
        while (await result.ReadAsync(ct) is { } batch)
        {
            for (var r = 0; r < batch.Count; r++, total++)
            {
                if (shown >= maxRows) continue;
                table.AddRow(batch.Columns.Select(v => Markup.Escape(Format(v.GetValue(r)))).ToArray());
                shown++;
            }
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(total > shown
            ? $"[grey]{total:N0} rows, first {shown:N0} shown (--max-rows, or --format csv for all)[/]"
            : $"[grey]{total:N0} row(s)[/]");
    }

    private static string Format(object? value) => value switch
    {
        null => "NULL",
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
