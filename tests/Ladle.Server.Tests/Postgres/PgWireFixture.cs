using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests.Postgres;

/// <summary>The retail project served over loopback, with a PostgreSQL wire listener (trust, as the local owner) over its read pipeline.</summary>
public sealed class PgWireFixture : IAsyncLifetime
{
    private readonly RetailServerFixture _retail = new();

    public LoopbackServer Server => _retail.Server;

    public PgTestListener Listener { get; private set; } = null!;

    public ReadPipeline Pipeline => Server.Services.GetRequiredService<ReadPipeline>();

    public async Task InitializeAsync()
    {
        await _retail.InitializeAsync();
        Listener = new PgTestListener(Pipeline);
    }

    /// <summary>The audit entries of the wire interface, once what is queued is written.</summary>
    public async Task<List<AuditRecord>> WireAuditAsync()
    {
        await Server.Services.GetRequiredService<AuditWriter>().FlushAsync();
        return (await Server.Engine.State.QueryAuditAsync(new AuditQuery(Limit: 10_000), CancellationToken.None)).Where(e => e.Interface == "pg").ToList();
    }

    public async Task DisposeAsync()
    {
        await Listener.DisposeAsync();
        await _retail.DisposeAsync();
    }
}
