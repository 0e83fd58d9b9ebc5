namespace Ladle.Cli.Demo.Internal;

/// <summary>Draws indexes in proportion to fixed weights by binary search over their running sums.</summary>
internal sealed class WeightedPicker
{
    private readonly double[] _cumulative;

    public WeightedPicker(IReadOnlyList<double> weights)
    {
        if (weights.Count == 0) throw new ArgumentException("at least one weight is needed", nameof(weights));
        _cumulative = new double[weights.Count];
        var sum = 0.0;
        for (var i = 0; i < weights.Count; i++)
        {
            sum += weights[i];
            _cumulative[i] = sum;
        }
    }

    public int Count => _cumulative.Length;

    public int Next(Random random) => NextAmong(random, _cumulative.Length);

    /// <summary>Draws among the first <paramref name="count"/> items only (those that exist yet, say).</summary>
    public int NextAmong(Random random, int count)
    {
        var target = random.NextDouble() * _cumulative[count - 1];
        var index = Array.BinarySearch(_cumulative, 0, count, target);
        // BinarySearch returns the complement of the first larger element when there is no exact match.
        if (index < 0) index = ~index;
        return Math.Min(index, count - 1);
    }
}
