using System.IO.Pipelines;
using Ladle.Core.Policy;
using Ladle.Engine.Serving;
using Ladle.Protocol.Postgres;

namespace Ladle.Server.Postgres;

/// <summary>What one Execute of a portal ended with.</summary>
internal readonly record struct PgExecuteOutcome(bool Suspended, long Rows);

/// <summary>
/// A bound statement ready to run. A query or COPY portal runs as one read through the pipeline (its own task, so
/// that an Execute with a row limit can stop it at the limit and a later Execute continue the same read; started
/// inline, it only becomes a task of its own where it waits); the session awaits each step, so only the step it
/// waits on writes to the connection.
/// </summary>
internal sealed class PgWirePortal(string name, PgWireStatement statement, object?[] parameters, IReadOnlyList<PgFormatCode> resultFormats) : IAsyncDisposable
{
    private PgWireSink? _sink;
    private IPgRowFormat? _format;
    private Task? _run;
    private CancellationTokenSource? _cancel;
    private PgStatementTimer? _timeout;
    private bool _parked;

    public string Name { get; } = name;

    public PgWireStatement Statement { get; } = statement;

    public IReadOnlyList<PgFormatCode> ResultFormats { get; } = resultFormats;

    /// <summary>The values bound to the statement's $n.</summary>
    public IReadOnlyList<object?> Parameters => parameters;

    /// <summary>True once the read ran to its end (or failed): a further Execute returns no rows.</summary>
    public bool Done { get; private set; }

    /// <summary>Rows sent so far (all steps).</summary>
    public long RowsSent => _sink?.RowsSent ?? 0;

    /// <summary>True when the session's statement_timeout stopped the read.</summary>
    public bool TimedOut => _timeout?.Fired == true;

    /// <summary>What the session needs to start the read: the pipeline, who asks, the connection and its limits.</summary>
    public sealed record Context(ReadPipeline Pipeline, Principal Principal, PipeWriter Output, CancellationToken Session, TimeSpan? Timeout, TimeProvider? Clock = null,
        CancellationToken ClientGone = default, PgWireSettings? Settings = null);

    /// <summary>Starts the read far enough to know its columns (nothing is sent); null when it has none (it failed: the error is thrown).</summary>
    public async Task<PgWireColumn[]> DescribeAsync(Context context)
    {
        if (_run is null) Start(context, budget: 0, describe: false);
        await Task.WhenAny(_sink!.Described, _run!);
        if (_sink.Columns is { } columns) return columns;
        await _run!;
        throw new InvalidOperationException("the read ended without stating its columns");
    }

    /// <summary>Runs the read until its end or <paramref name="maxRows"/> more rows (0: no limit).</summary>
    /// <param name="describe">Write the RowDescription first (the simple protocol).</param>
    public async Task<PgExecuteOutcome> ExecuteAsync(Context context, int maxRows, bool describe)
    {
        if (Done) return new PgExecuteOutcome(false, 0);
        var budget = maxRows > 0 ? maxRows : -1;
        if (_run is null)
        {
            Start(context, budget, describe);
        }
        else
        {
            // Described (or suspended) before: the read is parked at its limit, or about to be, or over.
            if (!_parked) await Task.WhenAny(_sink!.Step, _run);
            if (_run.IsCompleted)
            {
                Done = true;
                await _run;
                return new PgExecuteOutcome(false, 0);
            }

            _parked = false;
            _sink!.Resume(budget);
        }

        await Task.WhenAny(_sink!.Step, _run!);
        if (_run!.IsCompleted)
        {
            Done = true;
            await _run;
            return new PgExecuteOutcome(false, _sink.RowsThisStep);
        }

        _parked = true;
        return new PgExecuteOutcome(true, _sink.RowsThisStep);
    }

    /// <summary>Stops the read (CancelRequest, a closed portal).</summary>
    public void Cancel()
    {
        try
        {
            _cancel?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_run is not null)
        {
            if (!_run.IsCompleted) Cancel();
            try
            {
                await _run;
            }
            catch (Exception)
            {
                // Stopped on purpose, or already reported by the Execute that saw it fail.
            }
        }

        (_format as IDisposable)?.Dispose();
        _cancel?.Dispose();
        _timeout?.Dispose();
    }

    private void Start(Context context, long budget, bool describe)
    {
        var catalog = context.Pipeline.SqlCatalog;
        var principal = context.Principal;
        Func<string, uint?>? relationOids = catalog is null ? null : printed => catalog.RelationOid(printed, principal);
        _format = Statement.Copy is { } copy ? new PgCopyFormat(copy.Options) { RelationOids = relationOids }
            : new PgWireDataRows(ResultFormats, describe) { RelationOids = relationOids };
        _timeout = context.Timeout is { } timeout ? new PgStatementTimer(timeout, context.Clock ?? TimeProvider.System) : null;
        _sink = new PgWireSink(context.Output, _format) { Timer = _timeout, ClientLeft = context.ClientGone };
        _sink.Limit(budget);
        _cancel = _timeout is null
            ? CancellationTokenSource.CreateLinkedTokenSource(context.Session)
            : CancellationTokenSource.CreateLinkedTokenSource(context.Session, _timeout.Token);
        // current_setting() reads the session's parameters as they are when the statement runs.
        var sql = context.Settings is { } settings ? PgCurrentSetting.Inline(Statement.Query, settings) : Statement.Query;
        var request = new SqlRequest { Sql = sql, Parameters = parameters, Principal = context.Principal, Interface = "pg" };
        var sink = _sink;
        var token = _cancel.Token;
        // Started on the session's thread: it runs until it first waits (the client, a row limit, a read slot), which
        // for a small statement is its end. A hand-off to another thread would cost more than such a statement.
        _run = context.Pipeline.ServeAsync(request, sink, token);
    }
}
