using System.Buffers;
using System.IO.Pipelines;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;
using Ladle.Protocol.Postgres.Frontend;

namespace Ladle.Server.Postgres;

public sealed partial class PgSession
{
    private readonly Dictionary<string, PgWireStatement> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PgWirePortal> _portals = new(StringComparer.Ordinal);
    private PgWireSettings? _settings;
    private PipeWriter _output = null!;
    private CancellationToken _connection;

    // What statements run under: the connection's token and the client's leaving.
    private CancellationToken _running;
    private TransactionStatus _status = TransactionStatus.Idle;

    // After an error in the extended protocol, messages are discarded until Sync.
    private bool _skipToSync;
    private volatile PgWirePortal? _current;

    /// <summary>The limits the codec enforces on this connection's messages.</summary>
    public PgProtocolLimits Limits { get; init; } = PgProtocolLimits.Default;

    private PgWireSettings Settings => _settings ??= new PgWireSettings(Info.User, Info.StartupParameters);

    public partial async Task RunAsync(PipeReader input, PipeWriter output, CancellationToken cancellationToken)
    {
        _output = output;
        _connection = cancellationToken;
        using var statements = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ClientGone);
        _running = statements.Token;
        try
        {
            ReadyForQuery.Write(_output, _status);
            if (!await FlushAsync()) return;
            var messages = new List<FrontendMessage>();
            while (true)
            {
                var read = await input.ReadAsync(cancellationToken);
                var buffer = read.Buffer;
                var needed = 0;
                try
                {
                    while (FrontendParser.TryParse(buffer, Limits, out var message, out var consumed, out needed))
                    {
                        messages.Add(message);
                        buffer = buffer.Slice(consumed);
                    }
                }
                catch (PgProtocolException e)
                {
                    // A frame that cannot be trusted ends the connection: what came before it is still answered.
                    input.AdvanceTo(buffer.End);
                    foreach (var message in messages)
                        if (!await HandleAsync(message)) return;
                    await FatalAsync(e);
                    return;
                }

                var partial = buffer.Length;
                if (needed > PgLargeFrame.Threshold && !read.IsCompleted && !read.IsCanceled)
                {
                    // Too large to wait for in the transport's pipe: gathered as it comes, then parsed like any frame.
                    try
                    {
                        if (await PgLargeFrame.ReadAsync(input, buffer, needed, cancellationToken) is not { } whole)
                            throw new PgProtocolException(PgSqlState.ProtocolViolation,
                                $"incomplete message from client: the connection ended inside a message of {needed} bytes");
                        if (!FrontendParser.TryParse(whole, Limits, out var large, out _, out _))
                            throw new PgProtocolException(PgSqlState.ProtocolViolation, "a message ended before its declared length");
                        messages.Add(large);
                        partial = 0;
                    }
                    catch (PgProtocolException e)
                    {
                        foreach (var message in messages)
                            if (!await HandleAsync(message)) return;
                        await FatalAsync(e);
                        return;
                    }
                }
                else
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                foreach (var message in messages)
                {
                    if (!await HandleAsync(message)) return;
                }

                messages.Clear();
                if (read.IsCompleted && partial > 0)
                {
                    // The client stopped sending inside a frame: say so before closing, as for any broken frame.
                    await FatalAsync(new PgProtocolException(PgSqlState.ProtocolViolation,
                        $"incomplete message from client: the connection ended {partial} byte(s) into a message"));
                    return;
                }

                if (read.IsCompleted || read.IsCanceled) return;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            // The connection went away; the statement it ran was stopped with it.
        }
        finally
        {
            foreach (var portal in _portals.Values) await portal.DisposeAsync();
            _portals.Clear();
        }
    }

    public partial void CancelCurrent() => _current?.Cancel();

    /// <summary>Answers one message; false when the session is over (Terminate, a fatal error, a closed connection).</summary>
    private async Task<bool> HandleAsync(FrontendMessage message)
    {
        if (_skipToSync && message is not (SyncMessage or TerminateMessage)) return true;
        try
        {
            switch (message)
            {
                case QueryMessage query:
                    await SimpleQueryAsync(query.Sql);
                    ReadyForQuery.Write(_output, _status);
                    return await FlushAsync();
                case ParseMessage parse:
                    Parse(parse);
                    return true;
                case BindMessage bind:
                    await BindAsync(bind);
                    return true;
                case DescribeMessage describe:
                    await DescribeAsync(describe);
                    return true;
                case ExecuteMessage execute:
                    await ExecuteAsync(execute);
                    return true;
                case CloseMessage close:
                    await CloseAsync(close);
                    return true;
                case SyncMessage:
                    await SyncAsync();
                    return await FlushAsync();
                case FlushMessage:
                    return await FlushAsync();
                case TerminateMessage:
                    return false;
                case CopyDataMessage or CopyDoneMessage or CopyFailMessage:
                    // COPY FROM STDIN is refused before it starts; stray copy messages are ignored as PostgreSQL does.
                    return true;
                default:
                    throw new PgProtocolException(PgSqlState.ProtocolViolation, $"unexpected message type '{(char)message.Type}' after start-up");
            }
        }
        catch (PgProtocolException e) when (e.IsFatal)
        {
            await FatalAsync(e);
            return false;
        }
        catch (OperationCanceledException) when (_connection.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is not IOException)
        {
            // An extended-protocol error: reported once, then everything up to Sync is discarded.
            WriteError(e);
            _skipToSync = true;
            return true;
        }
    }

    /// <summary>Sync: the end of an extended batch; an implicit transaction ends, and with it every portal.</summary>
    private async Task SyncAsync()
    {
        _skipToSync = false;
        if (_status == TransactionStatus.Idle) await ClosePortalsAsync();
        ReadyForQuery.Write(_output, _status);
    }

    private async Task ClosePortalsAsync()
    {
        foreach (var portal in _portals.Values) await portal.DisposeAsync();
        _portals.Clear();
    }

    /// <summary>Writes an ErrorResponse for a failed statement; a failed statement inside a transaction block fails the block.</summary>
    private void WriteError(Exception error, PgWirePortal? portal = null)
    {
        if (PgErrors.IsUnexpected(error)) PgSessionLog.Unexpected(_logger, error, Info.User);
        ErrorResponse.Write(_output, PgErrors.Of(error, portal?.TimedOut == true));
        if (_status == TransactionStatus.InTransaction) _status = TransactionStatus.Failed;
    }

    private async Task FatalAsync(PgProtocolException error)
    {
        PgSessionLog.ProtocolError(_logger, Info.User, error.SqlState, error.Message);
        ErrorResponse.Write(_output, PgErrors.Of(error) with { Severity = "FATAL" });
        await FlushAsync();
    }

    /// <summary>Sends what is buffered; false when the client has gone.</summary>
    private async Task<bool> FlushAsync()
    {
        var flushed = await _output.FlushAsync(_connection);
        return !flushed.IsCompleted && !flushed.IsCanceled;
    }

    private PgWirePortal.Context RunContext() => new(_pipeline, Info.Principal, _output, _running, Settings.StatementTimeout, Clock, ClientGone, Settings);

    /// <summary>Rows the statement running now has sent (0 when none runs): how far a streaming result has gone.</summary>
    internal long RowsSending => _current?.RowsSent ?? 0;

    /// <summary>Runs a step of <paramref name="portal"/> as the statement CancelRequest stops.</summary>
    private async Task<T> AsCurrentAsync<T>(PgWirePortal portal, Func<Task<T>> step)
    {
        _current = portal;
        try
        {
            return await step();
        }
        finally
        {
            _current = null;
        }
    }

    private static void WriteParameterStatus(IBufferWriter<byte> output, (string Name, string Value)? status)
    {
        if (status is { } s) ParameterStatus.Write(output, s.Name, s.Value);
    }
}
