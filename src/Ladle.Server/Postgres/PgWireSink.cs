using System.Buffers;
using System.IO.Pipelines;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Serving;
using Ladle.Engine.Trust;
using Ladle.Protocol.Postgres.Backend;

namespace Ladle.Server.Postgres;

/// <summary>
/// How a wire answer's rows are written: DataRows (a query) or CopyData (COPY TO STDOUT). The sink drives it and
/// owns flushing and the row limit.
/// </summary>
internal interface IPgRowFormat
{
    /// <summary>The sink's format, for audit and metrics.</summary>
    string Name { get; }

    /// <summary>The columns are known: write what precedes the rows (RowDescription, CopyOutResponse, a COPY header).</summary>
    void Start(PgWireColumn[] columns, IBufferWriter<byte> output);

    /// <summary>Writes one row of <paramref name="batch"/>.</summary>
    void WriteRow(ColumnBatch batch, int row, IBufferWriter<byte> output);

    /// <summary>All rows are written: write what follows them (a COPY trailer, CopyDone).</summary>
    void End(IBufferWriter<byte> output);
}

/// <summary>
/// The wire protocol's <see cref="IReadSink"/>: rows go from the engine's batches straight into the connection's
/// <see cref="PipeWriter"/> as they are produced, flushed (and so held back by a client that reads slowly) whenever
/// the unsent bytes pass a threshold; there is no row cap. The trust status of the datasets read goes out first as
/// a warning notice naming each one. An Execute's row limit parks the sink at the limit (the portal is suspended)
/// until the next Execute for the same portal resumes it; only the session's current step ever writes.
/// </summary>
internal sealed class PgWireSink(PipeWriter output, IPgRowFormat format) : IReadSink
{
    /// <summary>Unsent bytes after which the sink flushes (and waits for the client to take them).</summary>
    internal const int FlushThreshold = 64 * 1024;

    private readonly PipeWriter _output = output;
    // What the statement writes goes through here, so its audit entry says how many bytes it sent.
    private readonly PgCountingWriter _counted = new(output);
    private readonly IPgRowFormat _format = format;
    private readonly TaskCompletionSource _described = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<bool> _step = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _resume;
    private long _budget = -1;
    private bool _gone;

    public string Format => _format.Name;

    // Every row, however many: the wire has no page and no cap.
    public SinkCapabilities Capabilities { get; } = new() { Unbounded = true };

    public IResultEncoder? Encoder => null;

    public long BytesSentPastBody => _counted.Bytes;

    /// <summary>The statement_timeout, paused while the sink waits at its row limit for the next Execute, or for a slow client.</summary>
    public PgStatementTimer? Timer { get; init; }

    /// <summary>Fires when the transport sees the client's side of the connection close.</summary>
    public CancellationToken ClientLeft { get; init; }

    /// <summary>True once the client went away while rows were being sent.</summary>
    public bool ClientGone
    {
        get => _gone || ClientLeft.IsCancellationRequested;
        private set => _gone = value;
    }

    long? IReadSink.RowsDelivered => RowsSent;

    /// <summary>The result's columns, once the engine has stated them.</summary>
    public PgWireColumn[]? Columns { get; private set; }

    /// <summary>Completes when <see cref="Columns"/> is known.</summary>
    public Task Described => _described.Task;

    /// <summary>Completes (true) when the sink stops at its row limit; the run's own end is watched by the portal.</summary>
    public Task<bool> Step => _step.Task;

    /// <summary>Rows sent since the last <see cref="Resume"/> (or the start).</summary>
    public long RowsThisStep { get; private set; }

    /// <summary>Rows sent in all.</summary>
    public long RowsSent { get; private set; }

    /// <summary>Sets the rows the sink may send before it stops (-1: all) for the run's first step.</summary>
    public void Limit(long budget) => _budget = budget;

    /// <summary>Lets a sink stopped at its limit go on for <paramref name="budget"/> more rows (-1: all).</summary>
    public void Resume(long budget)
    {
        _budget = budget;
        RowsThisStep = 0;
        _step = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = _resume ?? throw new InvalidOperationException("the sink is not stopped at its row limit");
        _resume = null;
        Timer?.Resume();
        resume.TrySetResult();
    }

    public Stream Begin(ReadAnswer answer)
    {
        foreach (var dataset in answer.Datasets)
        {
            if (dataset.Health.Status == DataStatus.Ok) continue;
            // The client shows this beside the rows, as REST states it in headers: these rows are not fully trusted.
            NoticeResponse.Write(_counted, new PgErrorFields("WARNING", "01000",
                $"dataset \"{dataset.Dataset}\" is {dataset.Health.StatusName}: {dataset.Health.Reason ?? "see its trust status"}",
                Detail: dataset.Version is { } v ? $"served version {v}" : null));
        }

        return Stream.Null;
    }

    public async Task WriteAsync(ResultStream rows, Stream body, EncodeContext context, CancellationToken cancellationToken)
    {
        var columns = rows.Schema.Columns.Select(PgWireColumn.Of).ToArray();
        Columns = columns;
        _described.TrySetResult();
        if (_budget != 0) _format.Start(columns, _counted);
        var started = _budget != 0;
        while (await rows.ReadAsync(cancellationToken) is { } batch)
        {
            for (var row = 0; row < batch.Count; row++)
            {
                if (_budget == RowsThisStep)
                {
                    await SuspendAsync(cancellationToken);
                    if (!started)
                    {
                        _format.Start(columns, _counted);
                        started = true;
                    }
                }

                _format.WriteRow(batch, row, _counted);
                RowsThisStep++;
                RowsSent++;
                if (_output.CanGetUnflushedBytes && _output.UnflushedBytes >= FlushThreshold) await FlushAsync(cancellationToken);
            }

            if (!_output.CanGetUnflushedBytes) await FlushAsync(cancellationToken);
        }

        if (!started)
        {
            // Nothing was sent before the end: the statement's preamble is still owed, but only once an Execute owns the connection.
            if (_budget == 0) await SuspendUntilOwnedAsync(cancellationToken);
            _format.Start(columns, _counted);
        }

        _format.End(_counted);
    }

    /// <summary>
    /// Sends what is buffered, waiting while the client has not taken what was sent before (the transport's buffers
    /// are full): that wait is backpressure, so the engine produces no further rows meanwhile, and it is the client's
    /// time, not the statement's, so statement_timeout does not count it. A client that has gone away stops the statement.
    /// </summary>
    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await FlushWholeAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async ValueTask FlushWholeAsync()
    {
        FlushResult flushed;
        try
        {
            // Not cancelled with the statement: a flush stopped half way would leave half a message on the connection
            // (the transport sends the rest again), and the client could not read the ErrorResponse that follows.
            // A stopped statement ends at its next batch; the engine was interrupted already.
            var flushing = _output.FlushAsync(CancellationToken.None);
            if (flushing.IsCompleted)
            {
                flushed = flushing.Result;
            }
            else
            {
                Timer?.Pause();
                try
                {
                    flushed = await flushing;
                }
                finally
                {
                    Timer?.Resume();
                }
            }
        }
        catch (IOException)
        {
            ClientGone = true;
            throw;
        }

        // The connection is gone: the statement stops, and so does the session (an IOException ends it).
        if (flushed.IsCanceled || flushed.IsCompleted)
        {
            ClientGone = true;
            throw new IOException("the client closed the connection while rows were being sent");
        }
    }

    private async Task SuspendAsync(CancellationToken cancellationToken)
    {
        var resume = _resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Waiting for the client is not execution: statement_timeout stops counting until the next Execute.
        Timer?.Pause();
        _step.TrySetResult(true);
        await resume.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A described portal with no rows: wait for its Execute before writing the preamble (a COPY's CopyOutResponse).</summary>
    private Task SuspendUntilOwnedAsync(CancellationToken cancellationToken) => SuspendAsync(cancellationToken);
}
