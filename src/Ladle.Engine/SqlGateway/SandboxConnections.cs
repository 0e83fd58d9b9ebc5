using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Ladle.Engine.Sql;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// Store connections whose default database is the sandbox, kept for the next statement: opening one and switching
/// it to the sandbox are two engine round trips, as much as a small statement costs. A connection is kept only after
/// a statement that ended on its own: one its guard stopped (interrupted) or that failed is closed, so nothing of a
/// stopped statement reaches the next one. Each kept connection also keeps the commands it ran, prepared: the same
/// composed text again (a client's prepared statement, a dashboard's refresh, a lookup by key) is bound and executed
/// without being parsed, bound and planned by the engine again.
/// </summary>
internal sealed class SandboxConnections(Func<DuckDBConnection> open, int keep)
{
    /// <summary>Prepared commands kept per connection; past it they are all dropped (a client repeating a few statements never gets there).</summary>
    internal const int CommandsPerConnection = 64;

    private readonly ConcurrentQueue<Pooled> _idle = new();
    private int _idleCount;

    /// <summary>An idle sandboxed connection, or a new one.</summary>
    public Lease Rent()
    {
        if (_idle.TryDequeue(out var idle))
        {
            Interlocked.Decrement(ref _idleCount);
            return new Lease(this, idle);
        }
        return new Lease(this, new Pooled(open()));
    }

    private void Return(Pooled pooled, bool reusable)
    {
        if (reusable && Interlocked.Increment(ref _idleCount) <= keep)
        {
            _idle.Enqueue(pooled);
            return;
        }
        if (reusable) Interlocked.Decrement(ref _idleCount);
        pooled.Dispose();
    }

    /// <summary>A connection and the commands prepared on it, by text.</summary>
    internal sealed class Pooled(DuckDBConnection connection) : IDisposable
    {
        public DuckDBConnection Connection { get; } = connection;

        public Dictionary<string, DuckDBCommand> Commands { get; } = new(StringComparer.Ordinal);

        /// <summary>The columns each kept command answers (the same prepared statement answers the same columns).</summary>
        public Dictionary<string, IReadOnlyList<Results.ResultColumn>> Columns { get; } = new(StringComparer.Ordinal);

        public void Dispose()
        {
            foreach (var command in Commands.Values) command.Dispose();
            Commands.Clear();
            Columns.Clear();
            Connection.Dispose();
        }
    }

    /// <summary>One statement's use of a connection; disposed after the statement's guard and command, it goes back to the pool or is closed.</summary>
    internal sealed class Lease : IAsyncDisposable
    {
        private readonly SandboxConnections _pool;
        private readonly Pooled _pooled;
        private int _returned;

        internal Lease(SandboxConnections pool, Pooled pooled)
        {
            _pool = pool;
            _pooled = pooled;
        }

        public DuckDBConnection Connection => _pooled.Connection;

        /// <summary>The guard of the statement run on it: a stopped statement's connection is not reused.</summary>
        public StatementGuard? Guard { get; set; }

        /// <summary>The statement failed: close the connection rather than keep it.</summary>
        public bool Failed { get; set; }

        /// <summary>
        /// A command of this text on this connection, prepared by an earlier statement when there was one, with no
        /// parameters bound. It belongs to the connection: the caller does not dispose it (closing the connection does).
        /// </summary>
        public DuckDBCommand Command(string sql)
        {
            if (_pooled.Commands.TryGetValue(sql, out var kept))
            {
                kept.Parameters.Clear();
                return kept;
            }
            if (_pooled.Commands.Count >= CommandsPerConnection)
            {
                foreach (var old in _pooled.Commands.Values) old.Dispose();
                _pooled.Commands.Clear();
                _pooled.Columns.Clear();
            }
            var command = _pooled.Connection.CreateCommand();
            command.CommandText = sql;
            _pooled.Commands[sql] = command;
            return command;
        }

        /// <summary>
        /// The columns <paramref name="sql"/> answered when it ran on this connection before, with the same types stated
        /// by the catalog (<paramref name="catalogTypes"/>); <paramref name="figure"/> works them out the first time.
        /// </summary>
        public IReadOnlyList<Results.ResultColumn> ColumnsOf(string sql, IReadOnlyList<string?>? catalogTypes, Func<IReadOnlyList<Results.ResultColumn>> figure)
        {
            var key = catalogTypes is null ? sql : sql + "\u0001" + string.Join('\u0002', catalogTypes);
            if (_pooled.Columns.TryGetValue(key, out var known)) return known;
            var columns = figure();
            if (_pooled.Commands.ContainsKey(sql)) _pooled.Columns[key] = columns;
            return columns;
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
                _pool.Return(_pooled, !Failed && Guard?.Stopped != true);
            return ValueTask.CompletedTask;
        }
    }
}
