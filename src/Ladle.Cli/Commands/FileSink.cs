using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Serving;

namespace Ladle.Cli.Commands;

/// <summary>
/// A file as a sink: every row in the encoder's format, written beside the target and moved onto it only when the
/// answer is whole, so a failed or interrupted run never leaves a truncated file under the asked name.
/// </summary>
internal sealed class FileSink(string path, string format) : IReadSink, IAsyncDisposable
{
    private readonly string _partial = path + ".partial";
    private FileStream? _file;

    public string Format => format;

    /// <summary>Every row; CSV and Parquet written by DuckDB itself where it can, as the server writes them, so a file is the same bytes whichever answered.</summary>
    public SinkCapabilities Capabilities { get; } = new() { Unbounded = true, NativeCopy = ResultEncoders.Get(format) as INativeFormat };
    public IResultEncoder? Encoder => null;

    public Stream Begin(ReadAnswer answer)
    {
        _file = File.Create(_partial);
        return _file;
    }

    public Task WriteAsync(ResultStream rows, Stream body, EncodeContext context, CancellationToken cancellationToken) =>
        ResultEncoders.Get(format).WriteAsync(rows, body, new EncodeContext { Name = context.Name }, cancellationToken);

    /// <summary>Moves the finished file onto <c>path</c>.</summary>
    public async Task CompleteAsync()
    {
        if (_file is null) return;
        await _file.DisposeAsync();
        _file = null;
        File.Move(_partial, path, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_file is not null) await _file.DisposeAsync();
        if (File.Exists(_partial)) File.Delete(_partial);
    }
}
