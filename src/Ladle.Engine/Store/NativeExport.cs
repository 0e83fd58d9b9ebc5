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
    private readonly DuckDbStore _store;
    private readonly IDisposable? _lease;

    internal NativeExport(DuckDbStore store, SqlStatement statement, ResultSchema columns, DataVersion? version, IDisposable? lease)
    {
        _store = store;
        Statement = statement;
        Columns = columns;
        Version = version;
        _lease = lease;
    }

    public SqlStatement Statement { get; }

    /// <summary>The columns the statement returns, with their declared types.</summary>
    public ResultSchema Columns { get; }

    /// <summary>The published version the rows come from (null for files read live).</summary>
    public DataVersion? Version { get; }

    /// <summary>True where named pipes exist; elsewhere the managed encoders serve.</summary>
    public static bool Supported => Fifo.Supported;

    /// <summary>Streams the export in <paramref name="format"/> to <paramref name="output"/>; returns the rows written.</summary>
    public async Task<long> CopyToAsync(INativeFormat format, Stream output, CancellationToken cancellationToken)
    {
        var options = format.DuckDbCopyOptions;
        var pipe = Path.Combine(Path.GetTempPath(), $"ladle-export-{Guid.NewGuid():N}.pipe");
        Fifo.Create(pipe);
        try
        {
            using var connection = _store.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"COPY (SELECT {Projection(format)} FROM ({Statement.Text}) AS exported) TO {SqlDialect.Literal(pipe)} ({options})";
            for (var i = 0; i < Statement.Parameters.Count; i++)
                command.Parameters.Add(new DuckDBParameter(SqlDialect.DuckDb.ParameterName(i), Statement.Parameters[i]));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var interrupt = stop.Token.Register(() => { try { command.Cancel(); } catch (DuckDBException) { } });

            var copy = Task.Run(() => (long)command.ExecuteNonQuery(), CancellationToken.None);
            // If DuckDB fails before it opens the pipe, nobody would ever write: open it once ourselves so the reader sees the end.
            _ = copy.ContinueWith(_ => { try { using var unblock = new FileStream(pipe, FileMode.Open, FileAccess.Write); } catch (IOException) { } },
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
            try
            {
                await using (var reader = await Task.Run(() => new FileStream(pipe, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous), CancellationToken.None))
                {
                    Fifo.Enlarge(reader.SafeFileHandle);
                    var buffer = new byte[256 * 1024];
                    int read;
                    while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            catch
            {
                // Stop DuckDB (interrupt); with the reader gone its writes fail too.
                await stop.CancelAsync();
                try { await copy; } catch (DuckDBException) { } catch (OperationCanceledException) { }
                throw;
            }
            return await copy;
        }
        finally
        {
            File.Delete(pipe);
        }
    }

    /// <summary>
    /// Every column as its declared type (integer is BIGINT even where the store computed a HUGEINT, which Parquet
    /// would write as DOUBLE), and timestamps as UTC instants, as the managed encoders write them.
    /// </summary>
    private string Projection(INativeFormat format) => string.Join(", ", Columns.Columns.Select(c =>
    {
        var quoted = SqlDialect.DuckDb.Quote(c.Name);
        var value = c.Type == Core.Model.LadleType.Timestamp ? format.DuckDbTimestamp(quoted) : $"CAST({quoted} AS {SqlDialect.DuckDb.TypeName(c.Type)})";
        return $"{value} AS {quoted}";
    }));

    public ValueTask DisposeAsync()
    {
        _lease?.Dispose();
        return ValueTask.CompletedTask;
    }
}
