namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// Stands in for the data science team's churn and lead-scoring model: it scores customers from
/// their actual order history, with noise, so the scores agree with the orders the way a decent model would.
/// </summary>
internal static class ScoringModel
{
    public const string ModelVersion = "churn-lead-v3.2";

    /// <summary>The scoring job ran in the night before the anchor.</summary>
    public static readonly DateTime ScoredAt = DemoCalendar.Anchor.AddDays(-1).AddHours(2).AddMinutes(30);

    public static CustomerScore[] Score(Customer[] customers, CustomerActivity activity, Random random)
    {
        var churn = new double[customers.Length];
        var value = new double[customers.Length];
        for (var i = 0; i < customers.Length; i++)
        {
            var tenure = (DemoCalendar.Anchor - customers[i].SignedUpAt).TotalDays;
            double logit;
            if (activity.Orders[i] == 0)
            {
                logit = tenure < 30 ? -0.5 : 1.2 + Math.Min(tenure, 365) / 365.0;
            }
            else
            {
                var recency = (DemoCalendar.Anchor - activity.LastOrderAt[i]).TotalDays;
                var active = Math.Max(30, (DemoCalendar.Anchor - activity.FirstOrderAt[i]).TotalDays);
                var per90Days = activity.Orders[i] * 90 / active;
                logit = -1.4 + 0.03 * recency - 0.9 * Math.Log(1 + per90Days);
            }
            churn[i] = Math.Round(1 / (1 + Math.Exp(-(logit + random.Normal(0, 0.35)))), 4);
            value[i] = (double)activity.RecentSpend[i] * (1 - churn[i]);
        }

        // Lead score: percentile of expected value, so 95 and up is the top 5%.
        var order = Enumerable.Range(0, customers.Length).OrderBy(i => value[i]).ThenBy(i => i).ToArray();
        var leadScore = new int[customers.Length];
        for (var rank = 0; rank < order.Length; rank++)
        {
            var i = order[rank];
            leadScore[i] = value[i] <= 0 ? 0 : (int)Math.Round(100.0 * rank / Math.Max(1, order.Length - 1));
        }

        var result = new CustomerScore[customers.Length];
        for (var i = 0; i < customers.Length; i++)
        {
            var tenure = (DemoCalendar.Anchor - customers[i].SignedUpAt).TotalDays;
            var recency = activity.Orders[i] == 0 ? double.MaxValue : (DemoCalendar.Anchor - activity.LastOrderAt[i]).TotalDays;
            var segment = tenure < 60 ? "new"
                : recency > 180 ? "dormant"
                : churn[i] >= 0.6 ? "at_risk"
                : activity.Orders[i] >= 12 && churn[i] < 0.3 ? "loyal"
                : "active";
            var vip = leadScore[i] >= 95 && churn[i] < 0.35;
            result[i] = new CustomerScore(customers[i].Id, churn[i], leadScore[i], segment, vip);
        }
        return result;
    }
}
