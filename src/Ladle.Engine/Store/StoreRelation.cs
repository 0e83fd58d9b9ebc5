using Ladle.Engine.Results;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Store;

/// <summary>
/// An authorized, scoped read as a statement over a leased published version, for a sink that runs it in the store
/// (a sync's diff): row filters and masks are compiled in, the version stays leased until this is disposed.
/// </summary>
public sealed class StoreRelation(DuckDbStore store, SqlStatement statement, ResultSchema columns, DataVersion version, IDisposable? lease) : IDisposable
{
    /// <summary>The store the statement runs in.</summary>
    public DuckDbStore Store { get; } = store;

    /// <summary>The SELECT, in DuckDB's dialect, with its bound parameters.</summary>
    public SqlStatement Statement { get; } = statement;

    /// <summary>The columns it returns, as served (a masked column is text).</summary>
    public ResultSchema Columns { get; } = columns;

    /// <summary>The published version read.</summary>
    public DataVersion Version { get; } = version;

    public void Dispose() => lease?.Dispose();
}
