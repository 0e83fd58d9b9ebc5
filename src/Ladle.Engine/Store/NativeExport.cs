using System.IO.Pipelines;
using DuckDB.NET.Data;
using Ladle.Engine.Encoders;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Store;

/// <summary>
/// A query over data DuckDB holds (published versions, files), exported by DuckDB's own multi-threaded CSV or
/// Parquet writer into a named pipe that streams to the response: no temp file, no rows through .NET.
/// The query was built and authorized by the read pipeline like any other; only the encoding moves down.
/// </summary>
public sealed class NativeExport : IAsyncDisposable
{
    private const int ChunkBytes = 256 * 1024;

    private readonly DuckDbStore _store;
    private readonly IDisposable? _lease;
    private readonly TimeSpan _timeout;
    private readonly DuckDBConnection? _connection;

    /// <param name="connection">The connection to run the COPY on (one whose temporary tables the statement reads); null: a new one.</param>
    internal NativeExport(DuckDbStore store, SqlStatement statement, ResultSchema columns, DataVersion? version, IDisposable? lease, TimeSpan timeout,
        DuckDBConnection? connection = null)
    {
        _connection = connection;
        _store = store;
        Statement = statement;
        Columns = columns;
        Version = version;
        _lease = lease;
        _timeout = timeout;
    }

    public SqlStatement Statement { get; }

    /// <summary>The columns the statement returns, with their declared types.</summary>
    public ResultSchema Columns { get; }

    /// <summary>The published version the rows come from (null for files read live).</summary>
    public DataVersion? Version { get; }

    /// <summary>True where named pipes exist; elsewhere the managed encoders serve.</summary>
    public static bool Supported => Fifo.Supported;

    /// <summary>Streams the export in <paramref name="format"/> to <paramref name="output"/>; returns the rows written.</summary>
    /// <remarks>
    /// The COPY and the blocking reads of the pipe each run on a thread of their own: a client that stops reading
    /// blocks DuckDB's writer and those two threads, never the thread pool that answers every other request.
    /// </remarks>
    public async Task<long> CopyToAsync(INativeFormat format, Stream output, CancellationToken cancellationToken)
    {
        var pipe = _store.NewPipePath();
        Fifo.Create(pipe);
        try
        {
            using var opened = _connection is null ? _store.Open() : null;
            using var command = (_connection ?? opened!).CreateCommand();
            command.CommandText = CopySql(format, pipe);
            for (var i = 0; i < Statement.Parameters.Count; i++)
                command.Parameters.Add(new DuckDBParameter(SqlDialect.DuckDb.ParameterName(i), Statement.Parameters[i]));
            await using var guard = new StatementGuard(cancellationToken, _timeout);
            guard.Interrupt(command);

            var copy = StatementGuard.Dedicated(() => (long)command.ExecuteNonQuery());
            // If DuckDB fails before it opens the pipe, nobody would ever write: open it once ourselves so the reader sees the end.
            _ = copy.ContinueWith(_ => { try { using var unblock = new FileStream(pipe, FileMode.Open, FileAccess.Write); } catch (IOException) { } },
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
            var forward = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * ChunkBytes, resumeWriterThreshold: 2 * ChunkBytes, useSynchronizationContext: false));
            var reading = StatementGuard.Dedicated(() => Forward(pipe, forward.Writer));
            try
            {
                await forward.Reader.CopyToAsync(output, guard.Token);
                await forward.Reader.CompleteAsync();
                await reading;
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or DuckDBException or InvalidOperationException)
            {
                // Whether the client or the timeout stopped it, decided before we stop DuckDB ourselves (interrupt);
                // with the reader gone its writes fail too.
                var stopped = guard.Explain();
                await guard.CancelAsync();
                await forward.Reader.CompleteAsync();
                try { await copy; } catch (DuckDBException) { } catch (OperationCanceledException) { }
                await reading;
                if (stopped is not null) throw stopped;
                throw;
            }
            try
            {
                return await copy;
            }
            catch (DuckDBException) when (guard.Explain() is { } stopped)
            {
                throw stopped;
            }
        }
        finally
        {
            File.Delete(pipe);
        }
    }

    /// <summary>The COPY statement that writes this export in <paramref name="format"/> to <paramref name="target"/> (a pipe, or a file in the benchmark).</summary>
    public string CopySql(INativeFormat format, string target) =>
        $"COPY (SELECT {Projection(format)} FROM ({Statement.Text}) AS exported) TO {SqlDialect.Literal(target)} ({format.DuckDbCopyOptions})";

    /// <summary>
    /// Reads the pipe with blocking reads on this (dedicated) thread into <paramref name="writer"/>; waiting for the
    /// response to take more happens here too, so backpressure from a slow client never holds a pool thread.
    /// </summary>
    private static bool Forward(string pipe, PipeWriter writer)
    {
        try
        {
            using (var fifo = new FileStream(pipe, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
            {
                Fifo.Enlarge(fifo.SafeFileHandle);
                while (true)
                {
                    var read = fifo.Read(writer.GetSpan(ChunkBytes));
                    if (read == 0) break;
                    writer.Advance(read);
                    // Blocking on purpose: this thread is the export's own, and this is where a slow client's backpressure lands.
                    var flushed = writer.FlushAsync().AsTask().GetAwaiter().GetResult();
                    if (flushed.IsCompleted || flushed.IsCanceled) break;
                }
            }
            writer.Complete();
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            writer.Complete(e);
            return false;
        }
    }

    /// <summary>
    /// Every column as its declared type (integer is BIGINT even where the store computed a HUGEINT, which Parquet
    /// would write as DOUBLE), and timestamps as UTC instants, as the managed encoders write them. A decimal keeps
    /// the precision and scale it is stored with (the source's own, see Publisher): CSV writes its stored scale and
    /// Parquet the narrowest physical type that holds it, where widening to DECIMAL(38,10) cost both size and time.
    /// </summary>
    private string Projection(INativeFormat format) => string.Join(", ", Columns.Columns.Select(c =>
    {
        var quoted = SqlDialect.DuckDb.Quote(c.Name);
        var value = c.Type switch
        {
            Core.Model.LadleType.Timestamp => format.DuckDbTimestamp(quoted),
            Core.Model.LadleType.Decimal => quoted,
            _ => $"CAST({quoted} AS {SqlDialect.DuckDb.TypeName(c.Type)})",
        };
        return $"{value} AS {quoted}";
    }));

    public ValueTask DisposeAsync()
    {
        _lease?.Dispose();
        return ValueTask.CompletedTask;
    }
}
