using System.Diagnostics;
using Ladle.Protocol.Postgres.Tests.Support;

namespace Ladle.Server.Tests.Postgres;

/// <summary>Real clients and the server's own life: psql signs in with a token over TLS; a stopping server ends sessions with 57P01.</summary>
public sealed class PgClientsTests
{
    [Fact]
    public async Task Psql_signs_in_over_tls_with_a_token_as_the_password()
    {
        await using var pg = await PgServer.StartAsync();
        var token = await pg.CreateTokenAsync("alice");
        var (exit, output, error) = await PsqlAsync(pg, "alice", token);
        // Until the query protocol answers, the session refuses with 0A000 after AuthenticationOk: psql got past sign-in.
        Assert.True(exit == 0 ? output.Contains('1', StringComparison.Ordinal) : error.Contains("query protocol", StringComparison.Ordinal), output + error);

        var (wrongExit, _, wrongError) = await PsqlAsync(pg, "alice", token[..^2] + "xx");
        Assert.NotEqual(0, wrongExit);
        Assert.Contains("password authentication failed for user \"alice\"", wrongError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopping_server_ends_a_connection_with_admin_shutdown()
    {
        await using var pg = await PgServer.StartAsync();
        await using var client = await pg.RawAsync();
        await client.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "alice")));
        Assert.Equal('R', (await client.ReadAsync())!.Value.Type);

        var stopping = pg.Server.Host.StopAsync(CancellationToken.None);
        var (type, body) = (await client.ReadAsync())!.Value;
        Assert.Equal('E', type);
        var fields = PgRawClient.ErrorFields(body);
        Assert.Equal(("FATAL", "57P01"), (fields['S'], fields['C']));
        Assert.True(await client.ClosedAsync());
        await stopping;
    }

    private static async Task<(int Exit, string Output, string Error)> PsqlAsync(PgServer pg, string user, string password)
    {
        var start = new ProcessStartInfo("psql", ["-X", "-w", $"host=127.0.0.1 port={pg.Port} user={user} dbname=wire sslmode=require connect_timeout=10", "-tAc", "select 1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PGPASSWORD"] = password;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
