namespace Ladle.Core.Semantic.Planning;

/// <summary>
/// What a caller may name in a metric query: the metrics and dimensions its policy shows it. Anything outside
/// answers exactly as if it did not exist, and hints in errors list only what is inside.
/// </summary>
public sealed record MetricScope(Func<MetricDefinition, bool> Metric, Func<DimensionRef, bool> Dimension)
{
    /// <summary>Everything (admins, the CLI, internal callers).</summary>
    public static MetricScope All { get; } = new(_ => true, _ => true);
}
