using System.Diagnostics;
using Npgsql;

namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// A database of its own on the test PostgreSQL 15 (LADLE_TEST_PG) holding tests/clients/project's rows, loaded by
/// the project's load-postgres.sql with psql: the reference every client's answers are compared with.
/// </summary>
public sealed class PostgresClientsFixture : IAsyncLifetime
{
    public string Database { get; } = "ladle_clients_" + Guid.NewGuid().ToString("N")[..10];

    public ClientEndpoint Endpoint => ClientEndpoint.TestPostgres(Database);

    public async Task InitializeAsync()
    {
        await AdminAsync($"CREATE DATABASE \"{Database}\"");
        var start = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = ClientsProject.Folder };
        foreach (var a in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "load-postgres.sql" }) start.ArgumentList.Add(a);
        foreach (var (name, value) in Endpoint.Environment)
            if (value is not null) start.Environment[name] = value;
        using var psql = Process.Start(start)!;
        var error = psql.StandardError.ReadToEndAsync();
        await psql.StandardOutput.ReadToEndAsync();
        await psql.WaitForExitAsync();
        Assert.True(psql.ExitCode == 0, $"loading the clients project into PostgreSQL failed:\n{await error}");
    }

    public Task DisposeAsync() => AdminAsync($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)");

    private static async Task AdminAsync(string sql)
    {
        var admin = ClientEndpoint.TestPostgres("postgres");
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
