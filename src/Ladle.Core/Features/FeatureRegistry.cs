using Ladle.Core.Errors;
using Ladle.Core.Loading;

namespace Ladle.Core.Features;

/// <summary>The project's feature views and services (features/*.yaml), and how a request's names resolve against them.</summary>
public sealed class FeatureRegistry(IReadOnlyList<FeatureView> views, IReadOnlyList<FeatureService> services)
{
    public static FeatureRegistry Empty { get; } = new([], []);

    public IReadOnlyList<FeatureView> Views { get; } = views;
    public IReadOnlyList<FeatureService> Services { get; } = services;

    public FeatureView? FindView(string name) => Views.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));

    public FeatureService? FindService(string name) => Services.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The views over <paramref name="dataset"/>.</summary>
    public IEnumerable<FeatureView> ViewsOf(string dataset) =>
        Views.Where(v => string.Equals(v.Dataset.Name, dataset, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The features a request names: a service, or a list of <c>view.feature</c> (or <c>view.*</c>); exactly one of
    /// the two. Unknown names are 404 with the closest one; two features answering under one name are 400.
    /// </summary>
    public IReadOnlyList<FeatureRef> Resolve(string? service, IReadOnlyList<string>? features)
    {
        var hasService = !string.IsNullOrWhiteSpace(service);
        var hasList = features is { Count: > 0 };
        if (hasService == hasList)
            throw new InvalidRequestException("name either 'feature_service' or 'features' (a list of view.feature), not both and not neither", hasService ? "features" : "feature_service");
        List<FeatureRef> resolved;
        if (hasService)
        {
            resolved = FindService(service!)?.Features.ToList()
                ?? throw new NotFoundException($"no feature service '{service}' ({Suggest.Hint(service!, Services.Select(s => s.Name).ToList())})");
        }
        else
        {
            resolved = [];
            foreach (var text in features!) resolved.AddRange(ResolveOne(text));
        }
        var seen = new Dictionary<string, FeatureRef>(StringComparer.OrdinalIgnoreCase);
        foreach (var feature in resolved)
            if (!seen.TryAdd(feature.Feature.Name, feature))
                throw new InvalidRequestException(
                    $"two features answer as '{feature.Feature.Name}' ({seen[feature.Feature.Name].FullName} and {feature.FullName}); name one of them only", "features");
        return resolved;
    }

    private IEnumerable<FeatureRef> ResolveOne(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == text.Length - 1)
            throw new InvalidRequestException($"feature '{text}' must be written view.feature (or view.* for all of a view's features)", "features");
        var viewName = text[..dot];
        var featureName = text[(dot + 1)..];
        var view = FindView(viewName)
            ?? throw new NotFoundException($"no feature view '{viewName}' ({Suggest.Hint(viewName, Views.Select(v => v.Name).ToList())})");
        if (featureName == "*") return view.Features.Select(f => new FeatureRef(view, f));
        var feature = view.Find(featureName)
            ?? throw new NotFoundException($"feature view '{view.Name}' has no feature '{featureName}' ({Suggest.Hint(featureName, view.Features.Select(f => f.Name).ToList())})");
        return [new FeatureRef(view, feature)];
    }
}
