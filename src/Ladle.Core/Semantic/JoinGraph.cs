using Ladle.Core.Loading;

namespace Ladle.Core.Semantic;

/// <summary>
/// Finds, for every model with measures, the join paths to every other model through entities, and fails the
/// load when a model can be reached two ways and the model does not say which (or name both).
/// </summary>
internal static class JoinGraph
{
    /// <summary>Longer chains are almost always a modelling mistake, and bound the search.</summary>
    public const int MaxHops = 4;

    public static Dictionary<string, ModelReach> Build(IReadOnlyList<SemanticModel> models, DiagnosticBag diagnostics)
    {
        var byName = models.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
        var reach = new Dictionary<string, ModelReach>(StringComparer.OrdinalIgnoreCase);
        foreach (var model in models)
        {
            var paths = Paths(model, models);
            var prefixes = new Dictionary<string, JoinPath>(StringComparer.OrdinalIgnoreCase) { [model.Name] = new JoinPath(model, []) };
            var chosen = new Dictionary<string, JoinPath>(StringComparer.OrdinalIgnoreCase);
            var aliased = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

            foreach (var choice in model.Joins)
            {
                if (!byName.ContainsKey(choice.To))
                {
                    diagnostics.Add(choice.Location, $"join to unknown model '{choice.To}'", Suggest.Hint(choice.To, byName.Keys.ToList()));
                    continue;
                }
                var candidates = paths.Where(p => string.Equals(p.Target.Name, choice.To, StringComparison.OrdinalIgnoreCase)).ToList();
                var path = candidates.FirstOrDefault(p => p.Hops.Count == choice.Via.Count &&
                    p.Hops.Select((h, i) => string.Equals(h.FromEntity.Name, choice.Via[i], StringComparison.OrdinalIgnoreCase)).All(x => x));
                if (path is null)
                {
                    diagnostics.Add(choice.Location, $"model '{model.Name}' has no join path to '{choice.To}' via '{string.Join('.', choice.Via)}'",
                        candidates.Count == 0
                            ? $"'{choice.To}' cannot be reached from '{model.Name}' through many-to-one joins (a foreign entity here matching a primary or unique entity there)"
                            : "the paths there are: " + string.Join("; ", candidates.Select(c => $"via: {c.Via} ({c})")));
                    continue;
                }
                if (choice.Name is { } alias)
                {
                    if (prefixes.ContainsKey(alias) || byName.ContainsKey(alias) && !string.Equals(alias, choice.To, StringComparison.OrdinalIgnoreCase))
                    {
                        diagnostics.Add(choice.Location, $"join name '{alias}' is already the name of a model or another join of '{model.Name}'", "choose another name");
                        continue;
                    }
                    prefixes[alias] = path;
                    aliased.Add(choice.To);
                }
                else if (!chosen.TryAdd(choice.To, path))
                    diagnostics.Add(choice.Location, $"model '{model.Name}' chooses a join path to '{choice.To}' twice", "keep one, or give each a 'name' to use both");
            }

            foreach (var (target, path) in chosen) prefixes[target] = path;

            foreach (var group in paths.GroupBy(p => p.Target.Name, StringComparer.OrdinalIgnoreCase))
            {
                if (prefixes.ContainsKey(group.Key)) continue;
                // A path through a model whose route was chosen must take that route.
                var consistent = group.Where(p => chosen.Values.All(c => !PassesThrough(p, c.Target.Name) || p.StartsWith(c))).ToList();
                if (consistent.Count == 1)
                {
                    prefixes[group.Key] = consistent[0];
                    continue;
                }
                if (consistent.Count == 0 || aliased.Contains(group.Key) || model.Measures.Count == 0) continue;
                var (a, b) = (consistent[0], consistent[1]);
                diagnostics.Add(model.Location,
                    $"model '{model.Name}' reaches '{group.Key}' by {(consistent.Count == 2 ? "two" : consistent.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))} join paths: {a} and {b}" +
                    (consistent.Count > 2 ? $" (and {consistent.Count - 2} more)" : ""),
                    $"choose one under 'joins:' in {model.File}, e.g. '- {{ to: {group.Key}, via: {a.Via} }}', or name each to use both, " +
                    $"e.g. '- {{ name: {a.Via.Replace('.', '_')}_{group.Key}, to: {group.Key}, via: {a.Via} }}' and '- {{ name: {b.Via.Replace('.', '_')}_{group.Key}, to: {group.Key}, via: {b.Via} }}'");
            }
            reach[model.Name] = new ModelReach(model, prefixes);
        }
        return reach;
    }

    private static bool PassesThrough(JoinPath path, string model) =>
        path.Hops.Take(path.Hops.Count - 1).Any(h => string.Equals(h.To.Name, model, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every simple path of many-to-one (or one-to-one) joins from <paramref name="root"/>, shortest first.</summary>
    private static List<JoinPath> Paths(SemanticModel root, IReadOnlyList<SemanticModel> models)
    {
        var result = new List<JoinPath>();
        var frontier = new List<List<JoinHop>> { new() };
        for (var depth = 0; depth < MaxHops && frontier.Count > 0; depth++)
        {
            var next = new List<List<JoinHop>>();
            foreach (var hops in frontier)
            {
                var from = hops.Count == 0 ? root : hops[^1].To;
                foreach (var entity in from.Entities)
                {
                    // Following the same key twice in a row is the direct hop written longer.
                    if (hops.Count > 0 && string.Equals(hops[^1].FromEntity.Refers, entity.Refers, StringComparison.OrdinalIgnoreCase)) continue;
                    foreach (var to in models)
                    {
                        if (ReferenceEquals(to, root) || hops.Any(h => ReferenceEquals(h.To, to)) || ReferenceEquals(to, from)) continue;
                        var key = to.Entities.FirstOrDefault(e => e.IsUnique && e.Columns.Count == entity.Columns.Count &&
                            string.Equals(e.Refers, entity.Refers, StringComparison.OrdinalIgnoreCase));
                        if (key is null) continue;
                        var extended = new List<JoinHop>(hops) { new(from, entity, to, key) };
                        result.Add(new JoinPath(root, extended));
                        next.Add(extended);
                    }
                }
            }
            frontier = next;
        }
        return result;
    }
}
