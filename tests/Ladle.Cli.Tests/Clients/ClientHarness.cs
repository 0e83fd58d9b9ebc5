using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// The real clients under tests/clients, each run as its own process against an endpoint. Each harness prints one
/// JSON line per step (psql: '== step' sections); the tests compare those with the project's own rows.
/// </summary>
public static class ClientHarness
{
    public const string Psql = "psql";
    public const string Npgsql = "npgsql";
    public const string Python = "python";
    public const string Java = "java";
    public const string Node = "node";

    private const string JdbcJar = "/usr/share/java/postgresql.jar";
    private const string DebianPython = "/usr/bin/python3";

    /// <summary>The repository's root (the folder holding Ladle.sln), found from the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public static string ClientsFolder => Path.Combine(RepositoryRoot, "tests", "clients");

    /// <summary>The Npgsql harness as built beside the tests (same configuration and framework).</summary>
    private static string NpgsqlHarness
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.Combine(ClientsFolder, "npgsql", "bin", framework.Parent!.Name, framework.Name, "ladle-client-npgsql.dll");
        }
    }

    /// <summary>Why <paramref name="client"/> cannot run on this machine, or null when it can.</summary>
    public static string? Missing(string client) => client switch
    {
        Psql => OnPath("psql") ? null : "psql is not installed (apt-get install postgresql-client)",
        Npgsql => File.Exists(NpgsqlHarness) ? null : $"{NpgsqlHarness} is not built (dotnet build tests/Ladle.Cli.Tests builds it)",
        // Debian's interpreter: the python3 on PATH may be another (pyenv) without Debian's packages.
        Python => File.Exists(DebianPython) && Succeeds(DebianPython, "-c", "import psycopg2, pandas, sqlalchemy") ? null
            : "Debian's python3-psycopg2, python3-pandas and python3-sqlalchemy are not installed",
        // `java File.java` compiles in memory with jdk.compiler, which a bare JRE lacks.
        Java => OnPath("javac") && File.Exists(JdbcJar) ? null : "a JDK (javac) and libpostgresql-jdbc-java are not installed",
        Node => OnPath("node") && Directory.Exists(Path.Combine(ClientsFolder, "node", "node_modules", "pg")) ? null
            : "node or tests/clients/node/node_modules/pg is missing (cd tests/clients/node && npm ci)",
        _ => throw new ArgumentOutOfRangeException(nameof(client), client, "unknown client"),
    };

    /// <summary>Runs <paramref name="client"/>'s harness; fails the test with its stderr when it exits non-zero.</summary>
    public static async Task<string> RunAsync(string client, ClientEndpoint endpoint)
    {
        if (Missing(client) is { } missing) Assert.Fail($"{client}: {missing}. ./test.sh installs it.");
        var (file, args) = client switch
        {
            Psql => ("bash", new[] { Path.Combine(ClientsFolder, "psql", "client.sh") }),
            Npgsql => ("dotnet", [NpgsqlHarness]),
            Python => (DebianPython, [Path.Combine(ClientsFolder, "python", "client.py")]),
            Java => ("java", ["-cp", JdbcJar, Path.Combine(ClientsFolder, "java", "Client.java")]),
            Node => ("node", [Path.Combine(ClientsFolder, "node", "client.js")]),
            _ => throw new ArgumentOutOfRangeException(nameof(client), client, "unknown client"),
        };
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in endpoint.Environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        start.Environment["PGCONNECT_TIMEOUT"] = "20";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"the {client} harness exited with {process.ExitCode}:\n{await error}\n{await output}");
        return await output;
    }

    /// <summary>The JSON line of <paramref name="step"/>.</summary>
    public static JsonObject Step(string output, string step)
    {
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (JsonNode.Parse(line) is JsonObject o && (string?)o["step"] == step) return o;
        Assert.Fail($"no step '{step}' in the harness's output:\n{output}");
        return null!;
    }

    /// <summary>A JSON array of rows as string cells.</summary>
    public static List<string?[]> Rows(JsonNode? rows) =>
        rows!.AsArray().Select(r => r!.AsArray().Select(c => c?.ToString()).ToArray()).ToList();

    /// <summary>psql's section '== step' (the lines up to the next section).</summary>
    public static List<string> Section(string output, string step)
    {
        var lines = output.Split('\n');
        var start = Array.IndexOf(lines, "== " + step);
        Assert.True(start >= 0, $"no section '{step}' in psql's output:\n{output}");
        return lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("== ", StringComparison.Ordinal)).Where(l => l.Length > 0).ToList();
    }

    private static bool OnPath(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));

    private static bool Succeeds(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.WaitForExit(60_000);
        return process.HasExited && process.ExitCode == 0;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ladle.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Ladle.sln not found above {AppContext.BaseDirectory}");
    }
}
