using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Ladle.Engine.Sql;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// Store connections whose default database is the sandbox, kept for the next statement: opening one and switching
/// it to the sandbox are two engine round trips, as much as a small statement costs. A connection is kept only after
/// a statement that ended on its own: one its guard stopped (interrupted) or that failed is closed, so nothing of a
/// stopped statement reaches the next one.
/// </summary>
internal sealed class SandboxConnections(Func<DuckDBConnection> open, int keep)
{
    private readonly ConcurrentQueue<DuckDBConnection> _idle = new();
    private int _idleCount;

    /// <summary>An idle sandboxed connection, or a new one.</summary>
    public Lease Rent()
    {
        if (_idle.TryDequeue(out var idle))
        {
            Interlocked.Decrement(ref _idleCount);
            return new Lease(this, idle);
        }
        return new Lease(this, open());
    }

    private void Return(DuckDBConnection connection, bool reusable)
    {
        if (reusable && Interlocked.Increment(ref _idleCount) <= keep)
        {
            _idle.Enqueue(connection);
            return;
        }
        if (reusable) Interlocked.Decrement(ref _idleCount);
        connection.Dispose();
    }

    /// <summary>One statement's use of a connection; disposed after the statement's guard and command, it goes back to the pool or is closed.</summary>
    internal sealed class Lease(SandboxConnections pool, DuckDBConnection connection) : IAsyncDisposable
    {
        private int _returned;

        public DuckDBConnection Connection { get; } = connection;

        /// <summary>The guard of the statement run on it: a stopped statement's connection is not reused.</summary>
        public StatementGuard? Guard { get; set; }

        /// <summary>The statement failed: close the connection rather than keep it.</summary>
        public bool Failed { get; set; }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
                pool.Return(Connection, !Failed && Guard?.Stopped != true);
            return ValueTask.CompletedTask;
        }
    }
}
