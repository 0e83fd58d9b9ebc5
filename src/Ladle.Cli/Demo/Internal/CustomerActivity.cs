namespace Ladle.Cli.Demo.Internal;

/// <summary>What each customer did in the generated orders, by customer index: the scoring model's inputs.</summary>
internal sealed class CustomerActivity(int customers)
{
    /// <summary>Orders not cancelled.</summary>
    public int[] Orders { get; } = new int[customers];

    /// <summary>Amount of orders kept (neither cancelled nor returned).</summary>
    public decimal[] Spend { get; } = new decimal[customers];

    /// <summary>Amount of orders kept in the last 365 days before the anchor.</summary>
    public decimal[] RecentSpend { get; } = new decimal[customers];

    public DateTime[] FirstOrderAt { get; } = new DateTime[customers];
    public DateTime[] LastOrderAt { get; } = new DateTime[customers];
}
