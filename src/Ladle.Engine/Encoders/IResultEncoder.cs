using Ladle.Engine.Results;

namespace Ladle.Engine.Encoders;

/// <summary>Writes a result stream to a byte stream in one wire format, batch by batch.</summary>
public interface IResultEncoder
{
    /// <summary>The format's name as used in <c>format=</c>.</summary>
    string Format { get; }

    string ContentType { get; }

    /// <summary>File extension for downloads, without the dot.</summary>
    string FileExtension { get; }

    /// <summary>
    /// Streams every batch to <paramref name="output"/>, flushing as it goes so the first bytes leave at once.
    /// <paramref name="context"/> carries what the JSON envelope states (version, next cursor).
    /// </summary>
    Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken);
}

/// <summary>What an encoder may state besides the rows.</summary>
public sealed class EncodeContext
{
    /// <summary>The dataset or query name (for sheet names and the JSON envelope).</summary>
    public string Name { get; init; } = "result";

    /// <summary>
    /// Called after the last row with the number of rows written; returns the next page's cursor, if any.
    /// JSON writes it into the body; other formats cannot state it after the fact.
    /// </summary>
    public Func<long, string?>? NextCursor { get; init; }

    /// <summary>A status block for the JSON envelope (dataset, version, published_at, status).</summary>
    public IReadOnlyDictionary<string, object?>? Data { get; init; }
}

/// <summary>A format DuckDB can write itself; used when the rows are in DuckDB's reach.</summary>
public interface INativeFormat
{
    /// <summary>The options of DuckDB's COPY … TO for this format.</summary>
    string DuckDbCopyOptions { get; }

    /// <summary>
    /// The DuckDB expression a timestamp column is written as: the UTC instant, marked so in the format (the store
    /// may hold it naive, meaning UTC, or zoned; <c>epoch_us</c> reads both without the session's zone).
    /// </summary>
    string DuckDbTimestamp(string column);
}
