namespace Ladle.Cli.Demo.Internal;

/// <summary>One row of the model output table customer_scores.</summary>
internal sealed record CustomerScore(int CustomerId, double ChurnProbability, int LeadScore, string Segment, bool Vip);
