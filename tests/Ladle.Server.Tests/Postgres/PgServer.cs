using Ladle.Engine.Access;
using Ladle.Server.Postgres;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ladle.Server.Tests.Postgres;

/// <summary>
/// A real server with the wire protocol on a loopback port, over a small secured project (alice and bob read,
/// root is admin), with `server.postgres:` as the test writes it and API tokens made the way `ladle tokens create` makes them.
/// </summary>
public sealed class PgServer : IAsyncDisposable
{
    private PgServer(LoopbackServer server) => Server = server;

    public LoopbackServer Server { get; }

    public PgListener Listener => Server.Host.Postgres!;

    public int Port => Listener.EndPoint.Port;

    public TokenService Tokens { get; private set; } = null!;

    /// <param name="accessExtra">YAML appended to access.yaml (rate limits, say).</param>
    public static async Task<PgServer> StartAsync(string postgresYaml = "", bool dev = false, string listen = "127.0.0.1:0", string accessExtra = "")
    {
        var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: wire\nsources:\n  files:\n    kind: files\n    path: data\n" +
                (postgresYaml.Length > 0 ? "server:\n  postgres:\n" + string.Join("", postgresYaml.Split('\n').Select(l => "    " + l + "\n")) : ""));
            LoopbackServer.File(root, "data/orders.csv", "order_id,amount\n1,10.5\n2,20.25\n");
            LoopbackServer.File(root, "datasets/orders.yaml", """
                name: orders
                domain: retail
                source: files
                table: orders.csv
                columns:
                  - { name: order_id, type: integer }
                  - { name: amount, type: decimal }
                """);
            LoopbackServer.File(root, "access.yaml", """
                roles:
                  reader:
                    grants:
                      - { actions: [read], domains: [retail] }
                  admin:
                    admin: true
                principals:
                  alice: { roles: [reader] }
                  bob: { roles: [reader] }
                  root: { roles: [admin] }
                """ + (accessExtra.Length > 0 ? "\n" + accessExtra : ""));
        }, dev: dev, postgres: listen);
        return new PgServer(server) { Tokens = new TokenService(server.Engine.Project, server.Engine.State) };
    }

    /// <summary>A new token of <paramref name="principal"/>, as `ladle tokens create` makes it.</summary>
    public async Task<string> CreateTokenAsync(string principal) => (await Tokens.CreateAsync(principal, null, "wire test", CancellationToken.None)).Token;

    /// <summary>A token as made before tokens carried a SCRAM verifier (the migration leaves the column empty).</summary>
    public async Task<string> CreateOldTokenAsync(string principal)
    {
        var (token, record) = await Tokens.CreateAsync(principal, null, "old", CancellationToken.None);
        await using var connection = new SqliteConnection($"Data Source={Server.Engine.Project.StatePath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE tokens SET scram_verifier = NULL WHERE id = $id";
        command.Parameters.AddWithValue("$id", record.Id);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
        return token;
    }

    /// <summary>An Npgsql connection to the wire protocol, without type loading (it would query the catalog).</summary>
    public NpgsqlConnection Connect(string user, string? password, SslMode sslMode = SslMode.Disable)
    {
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = user,
            Password = password,
            Database = "wire",
            Pooling = false,
            SslMode = sslMode,
            GssEncryptionMode = GssEncryptionMode.Disable,
            Timeout = 30,
            IncludeErrorDetail = true,
        }.ConnectionString);
        builder.ConfigureTypeLoading(options => options.EnableTypeLoading(false));
        // An unpooled source holds nothing once its connections are closed; it must outlive them, so it is not disposed here.
        return builder.Build().CreateConnection();
    }

    /// <summary>
    /// Opens <paramref name="connection"/>: authentication succeeded when it opens, or when the server went on past
    /// AuthenticationOk to the session (which answers 0A000 until the query protocol is built).
    /// </summary>
    public static async Task AssertSignsInAsync(NpgsqlConnection connection)
    {
        try
        {
            await connection.OpenAsync();
        }
        catch (PostgresException e) when (e.SqlState == "0A000" && e.MessageText.Contains("query protocol", StringComparison.Ordinal))
        {
        }
    }

    internal async Task<PgRawClient> RawAsync() => await PgRawClient.ConnectAsync(Listener.EndPoint.Address.Equals(System.Net.IPAddress.Any)
        ? new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Port) : Listener.EndPoint);

    public PgCancelRegistry Cancels => Server.Services.GetRequiredService<PgCancelRegistry>();

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
