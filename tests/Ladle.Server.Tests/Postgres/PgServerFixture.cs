namespace Ladle.Server.Tests.Postgres;

/// <summary>One wire-protocol server with the defaults (self-signed TLS, SCRAM, no --dev), shared by a test class.</summary>
public sealed class PgServerFixture : IAsyncLifetime
{
    public PgServer Pg { get; private set; } = null!;

    public async Task InitializeAsync() => Pg = await PgServer.StartAsync();

    public async Task DisposeAsync() => await Pg.DisposeAsync();
}
