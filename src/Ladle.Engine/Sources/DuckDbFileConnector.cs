using System.Data.Common;
using DuckDB.NET.Data;
using Ladle.Core.Errors;
using Ladle.Engine.Sql;
using Ladle.Core.Model;

namespace Ladle.Engine.Sources;

/// <summary>Another DuckDB database file, opened read-only in its own instance so its SQL resolves its own tables.</summary>
public sealed class DuckDbFileConnector(SourceDefinition definition) : AdoConnector(definition)
{
    private DuckDBConnection? _root;
    private readonly Lock _lock = new();

    public override SqlDialect Dialect => SqlDialect.DuckDb;
    protected override bool SyncReads => true;

    protected override Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_root is null)
            {
                if (!File.Exists(Definition.Path))
                    throw new SourceUnavailableException(Definition.Name, $"source '{Definition.Name}' (duckdb): the file {Definition.Path} does not exist");
                var root = new DuckDBConnection($"Data Source={Definition.Path};ACCESS_MODE=READ_ONLY");
                root.Open();
                _root = root;
            }
            var connection = new DuckDBConnection(_root.ConnectionString);
            connection.Open();
            return Task.FromResult<DbConnection>(connection);
        }
    }

    protected override DbParameter CreateParameter(string name, object value) => new DuckDBParameter(name, value);

    public override async ValueTask DisposeAsync()
    {
        if (_root is not null) await _root.DisposeAsync();
        await base.DisposeAsync();
    }
}
