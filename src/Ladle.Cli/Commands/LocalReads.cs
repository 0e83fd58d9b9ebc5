using Ladle.Core.Policy;
using Ladle.Engine;
using Ladle.Engine.Access;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Serving;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Cli.Commands;

/// <summary>
/// Reads from the CLI go through the same pipeline as the server's, as the local principal (the project's owner:
/// admin), and are audited under interface <c>cli</c>; the audit is flushed before the command returns.
/// </summary>
internal static class LocalReads
{
    public const string Interface = "cli";

    public static async Task ServeAsync(LadleEngine engine, Func<Principal, ReadRequest> request, IReadSink sink, CancellationToken ct)
    {
        var policy = new AccessPolicy(engine.Project, MaskKey.Load(Path.GetDirectoryName(engine.Project.StatePath)!), devAnonymousIsAdmin: false);
        await using var audit = new AuditWriter(engine.State, NullLogger<AuditWriter>.Instance);
        var pipeline = new ReadPipeline(engine.Project, engine.Reader, engine.Schemas, engine.Semantic, engine.Trust, policy, audit);
        await pipeline.ServeAsync(request(Principal.Local), sink, ct);
    }
}

/// <summary>The console as a sink: a table on the terminal (the first rows), or csv/json/ndjson on stdout.</summary>
internal sealed class ConsoleSink(string format, int maxRows) : IReadSink
{
    private static readonly SinkCapabilities Everything = new() { Unbounded = true };

    public string Format => format;
    public SinkCapabilities Capabilities => Everything;

    /// <summary>Null: the console writes rows itself (a cached answer's kept bytes carry the server's envelope, not the console's).</summary>
    public IResultEncoder? Encoder => null;

    /// <summary>What the answer stated (status and versions), once it began.</summary>
    public ReadAnswer? Answer { get; private set; }

    public Stream Begin(ReadAnswer answer)
    {
        Answer = answer;
        return format == "table" ? Stream.Null : Console.OpenStandardOutput();
    }

    public async Task WriteAsync(ResultStream rows, Stream body, EncodeContext context, CancellationToken cancellationToken)
    {
        if (format == "table")
        {
            await QueryCommand.PrintTableAsync(rows, maxRows, cancellationToken);
            return;
        }
        await ResultEncoders.Get(format).WriteAsync(rows, body, new EncodeContext { Name = context.Name }, cancellationToken);
    }
}
