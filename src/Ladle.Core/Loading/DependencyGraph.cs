using Ladle.Core.Model;

namespace Ladle.Core.Loading;

/// <summary>Resolves declared and inferred dependencies between datasets, rejects cycles and orders them.</summary>
internal static class DependencyGraph
{
    public static List<DatasetDefinition> Order(List<DatasetDefinition> datasets, IReadOnlyDictionary<string, SourceDefinition> sources, DiagnosticBag diagnostics)
    {
        var byName = datasets.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
        var resolved = new Dictionary<string, DatasetDefinition>(StringComparer.OrdinalIgnoreCase);
        foreach (var dataset in datasets)
        {
            var deps = new List<string>();
            for (var i = 0; i < dataset.DependsOn.Count; i++)
            {
                var dep = dataset.DependsOn[i];
                var at = i < dataset.DependsOnLocations.Count ? dataset.DependsOnLocations[i] : dataset.Location;
                if (byName.TryGetValue(dep, out var target)) deps.Add(target.Name);
                else diagnostics.Add(at, $"dataset '{dataset.Name}' depends on unknown dataset '{dep}'", Suggest.Hint(dep, byName.Keys.ToList()));
            }
            if (dataset.IsDerived && dataset.Sql is not null)
            {
                foreach (var table in SqlReferences.TablesReadBy(dataset.Sql))
                    if (byName.TryGetValue(table, out var target) && !deps.Contains(target.Name, StringComparer.OrdinalIgnoreCase))
                        deps.Add(target.Name);
            }
            // A relationships check reads its target, so the target is published first.
            foreach (var check in dataset.Checks.Where(c => c.Kind == CheckKind.Relationships && c.To is not null))
            {
                if (!byName.TryGetValue(check.To!, out var target))
                    diagnostics.Add(check.Location, $"check '{check.Name}' of '{dataset.Name}' refers to unknown dataset '{check.To}'", Suggest.Hint(check.To!, byName.Keys.ToList()));
                else if (!string.Equals(target.Name, dataset.Name, StringComparison.OrdinalIgnoreCase) && !deps.Contains(target.Name, StringComparer.OrdinalIgnoreCase))
                    deps.Add(target.Name);
            }
            if (deps.Contains(dataset.Name, StringComparer.OrdinalIgnoreCase))
                diagnostics.Add(dataset.Location, $"dataset '{dataset.Name}' depends on itself");
            resolved[dataset.Name] = dataset with { DependsOn = deps };
        }
        if (diagnostics.HasErrors) return [];

        var ordered = new List<DatasetDefinition>();
        var state = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase); // 1 visiting, 2 done
        var path = new List<string>();
        foreach (var dataset in datasets) Visit(dataset.Name);
        return ordered;

        void Visit(string name)
        {
            if (state.TryGetValue(name, out var s))
            {
                if (s == 1)
                {
                    var cycle = path.Skip(path.FindIndex(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase))).Append(name);
                    var first = resolved[name];
                    diagnostics.Add(first.Location, $"datasets depend on each other in a cycle: {string.Join(" -> ", cycle)}",
                        "remove one of these dependencies");
                }
                return;
            }
            state[name] = 1;
            path.Add(name);
            var dataset = resolved[name];
            foreach (var dep in dataset.DependsOn)
            {
                Visit(dep);
                var target = resolved[dep];
                // Derived SQL runs in the embedded store: it can only read what the store can reach.
                if (dataset.IsDerived && target.Materialization == Materialization.Live && !target.IsDerived &&
                    target.Source is not null && !StoreReachable(target))
                {
                    diagnostics.Add(dataset.Location,
                        $"dataset '{dataset.Name}' reads live dataset '{target.Name}', which lives in another database",
                        $"give '{target.Name}' 'materialization: table' so it is published into the store");
                }
            }
            path.RemoveAt(path.Count - 1);
            state[name] = 2;
            ordered.Add(dataset);
        }

        bool StoreReachable(DatasetDefinition target) =>
            target.Source is not null && sources.TryGetValue(target.Source, out var source) && source.Kind is SourceKind.Files or SourceKind.DuckDb;
    }
}
