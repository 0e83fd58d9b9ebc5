using System.Data.Common;
using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Engine.Sql;
using Ladle.Engine.Store;

namespace Ladle.Engine.Sources;

/// <summary>The embedded store as a place to run SQL: published versions and SQL over datasets.</summary>
public sealed class StoreConnector(DuckDbStore store) : AdoConnector(new SourceDefinition
{
    Name = "store",
    Kind = SourceKind.DuckDb,
    Path = store.DatabasePath,
    Location = new Core.Errors.SourceLocation("ladle.yaml", 0, 0),
})
{
    public override SqlDialect Dialect => SqlDialect.DuckDb;
    protected override bool SyncReads => true;

    protected override Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        Task.FromResult<DbConnection>(store.Open());

    protected override DbParameter CreateParameter(string name, object value) => new DuckDBParameter(name, value);
}
