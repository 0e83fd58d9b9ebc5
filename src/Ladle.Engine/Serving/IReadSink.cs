using Ladle.Engine.Encoders;
using Ladle.Engine.Results;

namespace Ladle.Engine.Serving;

/// <summary>What a sink can take, which decides how a plan is read for it.</summary>
public sealed record SinkCapabilities
{
    /// <summary>Takes one page at a time with a cursor to the next (JSON): a read, capped at server.max_page_size.</summary>
    public bool Paged { get; init; }

    /// <summary>Takes the bytes DuckDB writes itself (its COPY) in this format: the sink's encoder is then skipped for data DuckDB holds.</summary>
    public INativeFormat? NativeCopy { get; init; }

    /// <summary>Takes every row, however many (an export: csv, ndjson, parquet, the console).</summary>
    public bool Unbounded { get; init; }

    /// <summary>The most rows it can hold (a sheet); a longer answer is refused before the first byte.</summary>
    public long? MaxRows { get; init; }

    /// <summary>
    /// Takes the answer where the data is: the compiled statement over the leased version, run by the sink in the
    /// store (a sync's diff), through <see cref="IStoreRelationSink"/>. Only table datasets' published versions.
    /// </summary>
    public bool InStore { get; init; }

    /// <summary>A bulk read (anything not paged): needs the export grant and holds an export slot.</summary>
    public bool Bulk => !Paged;
}

/// <summary>
/// Where an answer goes (HTTP encoders, the console; later the wire protocol, SSE, a sync). The pipeline decides
/// everything that can be refused before calling <see cref="Begin"/>, so a refusal is a clean status; after it,
/// an error aborts the answer (an HTTP sink's connection) so no one mistakes a truncated answer for a whole one.
/// </summary>
public interface IReadSink
{
    /// <summary>The format's name, for audit and metrics (json, csv, …, table).</summary>
    string Format { get; }

    /// <summary>What the sink can take; throws <see cref="Core.Errors.InvalidRequestException"/> for a format it does not know.</summary>
    SinkCapabilities Capabilities { get; }

    /// <summary>The encoder whose bytes the sink writes (cached answers keep them per format); null when it renders rows itself.</summary>
    IResultEncoder? Encoder { get; }

    /// <summary>States the answer (its status, versions, entity tag) and returns the body to write it to; called once.</summary>
    Stream Begin(ReadAnswer answer);

    /// <summary>Writes the rows into the body <see cref="Begin"/> returned.</summary>
    Task WriteAsync(ResultStream rows, Stream body, EncodeContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Bytes the sink sent without going through the body <see cref="Begin"/> returned (the wire protocol writes its
    /// messages straight into the connection); audit and metrics add them to the body's.
    /// </summary>
    long BytesSentPastBody => 0;

    /// <summary>Rows the sink delivered, when it counts them itself (the wire protocol): an answer cut short is audited with these.</summary>
    long? RowsDelivered => null;

    /// <summary>True once the client went away while the answer was being sent: the read is audited as <c>cut</c>.</summary>
    bool ClientGone => false;
}

/// <summary>A sink of one of the encoders' formats (json, csv, ndjson, parquet, xlsx), written into a byte stream.</summary>
public abstract class EncoderSink(string? format) : IReadSink
{
    private readonly string? _requested = format;
    private IResultEncoder? _encoder;
    private SinkCapabilities? _capabilities;

    public string Format { get; } = NormalFormat(format);

    public IResultEncoder Encoder => _encoder ??= ResultEncoders.Get(_requested);

    IResultEncoder? IReadSink.Encoder => Encoder;

    public SinkCapabilities Capabilities => _capabilities ??= CapabilitiesOf(Encoder);

    public abstract Stream Begin(ReadAnswer answer);

    public virtual Task WriteAsync(ResultStream rows, Stream body, EncodeContext context, CancellationToken cancellationToken) =>
        Encoder.WriteAsync(rows, body, context, cancellationToken);

    /// <summary>What each encoder can take: JSON pages, sheets up to their row limit, the rest everything (DuckDB's COPY where it can).</summary>
    public static SinkCapabilities CapabilitiesOf(IResultEncoder encoder) => encoder switch
    {
        JsonEncoder => new SinkCapabilities { Paged = true },
        XlsxEncoder => new SinkCapabilities { MaxRows = XlsxEncoder.MaxRows },
        _ => new SinkCapabilities { Unbounded = true, NativeCopy = encoder as INativeFormat },
    };

    /// <summary>The format as audited and labelled: json when none was asked, _invalid for one no encoder writes (labels stay bounded).</summary>
    public static string NormalFormat(string? format)
    {
        if (string.IsNullOrWhiteSpace(format)) return "json";
        var normal = format.Trim().ToLowerInvariant();
        return ResultEncoders.Formats.Contains(normal) ? normal : "_invalid";
    }
}

/// <summary>
/// A sink that takes an answer as a statement in the store rather than as rows (a sync diffs it in DuckDB): the
/// pipeline has authorized, scoped (row filters, masks), leased and judged it as any read; the version stays leased
/// until <see cref="ConsumeAsync"/> returns.
/// </summary>
public interface IStoreRelationSink : IReadSink
{
    /// <summary>Runs what the sink does with the answer's statement in the store; returns the rows it read.</summary>
    Task<long> ConsumeAsync(Store.StoreRelation relation, CancellationToken cancellationToken);
}
