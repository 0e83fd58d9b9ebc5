namespace Ladle.Cli.Demo.Internal;

/// <summary>The few distributions the demo needs, drawn from a seeded <see cref="Random"/> so they replay exactly.</summary>
internal static class RandomExtensions
{
    public static bool Chance(this Random random, double probability) => random.NextDouble() < probability;

    /// <summary>Standard normal by Box-Muller; one draw per call keeps the stream's position easy to reason about.</summary>
    public static double Normal(this Random random, double mean = 0, double stdDev = 1)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return mean + stdDev * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Log-normal with the given median: prices, areas and stock levels are skewed to the right.</summary>
    public static double LogNormal(this Random random, double median, double sigma) => median * Math.Exp(random.Normal(0, sigma));

    public static double Exponential(this Random random, double mean) => -mean * Math.Log(1.0 - random.NextDouble());

    /// <summary>Pareto with minimum 1: a few customers buy far more than the rest.</summary>
    public static double Pareto(this Random random, double alpha) => Math.Pow(1.0 - random.NextDouble(), -1.0 / alpha);

    public static double Uniform(this Random random, double min, double max) => min + (max - min) * random.NextDouble();

    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
