namespace Ladle.Core.Model;

/// <summary>A loaded, validated project: ladle.yaml and everything under it.</summary>
public sealed class ProjectDefinition
{
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>Absolute path of the project folder.</summary>
    public required string Root { get; init; }

    public required ServerSettings Server { get; init; }

    /// <summary>Absolute path of the embedded DuckDB store file.</summary>
    public required string StorePath { get; init; }

    /// <summary>Absolute path of the embedded SQLite state database.</summary>
    public required string StatePath { get; init; }

    /// <summary>Which backend keeps the state (<c>state:</c> in ladle.yaml).</summary>
    public StateSettings State { get; init; } = new();

    /// <summary>Where published versions are shared between nodes (<c>storage:</c> in ladle.yaml; local by default).</summary>
    public VersionStorageSettings Storage { get; init; } = new();

    public required IReadOnlyDictionary<string, SourceDefinition> Sources { get; init; }

    /// <summary>Datasets in dependency order: every dataset comes after those it depends on.</summary>
    public required IReadOnlyList<DatasetDefinition> Datasets { get; init; }

    /// <summary>access.yaml: roles, principals, embed keys, limits (empty when the project has none).</summary>
    public Access.AccessDefinition Access { get; init; } = Ladle.Core.Access.AccessDefinition.Empty;
    /// <summary>Notification channels under <c>alerts:</c>; incidents are recorded even when there are none.</summary>
    public IReadOnlyList<AlertChannel> Alerts { get; init; } = [];
    /// <summary>Semantic models and metrics from models/*.yaml, compiled at load (empty without models/).</summary>
    public Semantic.SemanticLayer Semantic { get; init; } = Core.Semantic.SemanticLayer.Empty;
    /// <summary>Feature views and services from features/*.yaml (empty without features/).</summary>
    public Features.FeatureRegistry Features { get; init; } = Core.Features.FeatureRegistry.Empty;

    /// <summary><c>features:</c> in ladle.yaml: the online store and the lookup audit's sampling.</summary>
    public FeatureSettings FeatureSettings { get; init; } = new();

    /// <summary>Reverse-ETL syncs from syncs/*.yaml (empty without syncs/).</summary>
    public IReadOnlyList<Syncs.SyncDefinition> Syncs { get; init; } = [];

    /// <summary>Event streams from streams/*.yaml (empty without streams/); each adds its windows' dataset to <see cref="Datasets"/>.</summary>
    public IReadOnlyList<Streams.StreamDefinition> Streams { get; init; } = [];

    /// <summary>Dashboards from dashboards/*.yaml (empty without dashboards/), their tiles checked against <see cref="Semantic"/>.</summary>
    public IReadOnlyList<Dashboards.DashboardDefinition> Dashboards { get; init; } = [];

    public Dashboards.DashboardDefinition? FindDashboard(string name) =>
        Dashboards.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    public Streams.StreamDefinition? FindStream(string name) =>
        Streams.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    public DatasetDefinition? FindDataset(string name) =>
        Datasets.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The dataset and, transitively, everything it depends on, in dependency order.</summary>
    public IReadOnlyList<DatasetDefinition> WithDependencies(IEnumerable<string> names)
    {
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var stack = new Stack<string>(names);
        while (stack.Count > 0)
        {
            var name = stack.Pop();
            if (!wanted.Add(name)) continue;
            foreach (var dep in FindDataset(name)?.DependsOn ?? []) stack.Push(dep);
        }
        return Datasets.Where(d => wanted.Contains(d.Name)).ToList();
    }
}
