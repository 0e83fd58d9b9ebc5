using Ladle.Core.Model;
using Ladle.Engine.Store;

namespace Ladle.Engine.Sources;

/// <summary>
/// The connectors of a project's sources, one per source, and the embedded store as a place to run SQL: what a
/// part needs to read a dataset where it lives.
/// </summary>
public sealed class SourceConnectors : IAsyncDisposable
{
    private readonly Dictionary<string, SourceConnector> _bySource = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="reads">The slots every embedded engine's statements share: they run on the same cores.</param>
    public SourceConnectors(ProjectDefinition project, DuckDbStore store, ReadScheduler reads)
    {
        Store = new StoreConnector(store) { StatementTimeout = project.Server.StatementTimeout, Reads = reads };
        foreach (var source in project.Sources.Values)
        {
            SourceConnector connector = source.Kind switch
            {
                SourceKind.Files => new FilesConnector(source, store, project.Root),
                SourceKind.DuckDb => new DuckDbFileConnector(source),
                SourceKind.Sqlite => new SqliteConnector(source),
                SourceKind.Postgres => new PostgresConnector(source),
                _ => throw new InvalidOperationException($"no connector for source kind {source.Kind}"),
            };
            connector.StatementTimeout = project.Server.StatementTimeout;
            if (connector is AdoConnector embedded) embedded.Reads = reads;
            _bySource[source.Name] = connector;
        }
    }

    /// <summary>The embedded store as a place to run SQL (published versions, SQL over datasets, files).</summary>
    public StoreConnector Store { get; }

    /// <summary>The connector a dataset's source reads through (the store for SQL over datasets).</summary>
    public SourceConnector For(DatasetDefinition dataset) =>
        dataset.Source is null ? Store : _bySource[dataset.Source];

    public async ValueTask DisposeAsync()
    {
        foreach (var connector in _bySource.Values) await connector.DisposeAsync();
        await Store.DisposeAsync();
    }
}
