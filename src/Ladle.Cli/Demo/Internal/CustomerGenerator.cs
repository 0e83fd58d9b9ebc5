namespace Ladle.Cli.Demo.Internal;

/// <summary>Draws the customer base, numbered in order of sign-up so identifiers grow with time as a real CRM's do.</summary>
internal static class CustomerGenerator
{
    /// <summary>Yearly growth of sign-ups and orders: the business is growing.</summary>
    public const double YearlyGrowth = 0.45;

    public static Customer[] Generate(int count, Random random)
    {
        var start = DemoCalendar.OrdersStart;
        var signups = new DateTime[count];
        var growth = Math.Log(1 + YearlyGrowth) / 365.0;
        var window = (double)DemoCalendar.OrderDays;
        for (var i = 0; i < count; i++)
        {
            if (random.Chance(0.25))
            {
                // The existing base, signed up in the three years before the orders begin.
                signups[i] = start.AddDays(-random.Uniform(1, 3 * 365));
            }
            else
            {
                // Inverse of the exponential-growth CDF over the order window.
                var u = random.NextDouble();
                var day = Math.Log(1 + u * (Math.Exp(growth * window) - 1)) / growth;
                signups[i] = start.AddDays(Math.Min(day, window - 0.01));
            }
        }
        Array.Sort(signups);

        var result = new Customer[count];
        for (var i = 0; i < count; i++)
        {
            var id = i + 1;
            var first = random.Pick(PersonNames.First);
            var last = random.Pick(PersonNames.Last);
            var country = Geography.Countries[Geography.CountryPicker.Next(random)];
            var signedUp = DemoCalendar.Seconds(signups[i]);
            var sinceSignup = (DemoCalendar.Anchor - signedUp).TotalDays;
            var updated = signedUp.AddDays(Math.Max(0, sinceSignup - random.Exponential(120)));
            result[i] = new Customer(
                id,
                first,
                last,
                $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{id}@example.com",
                Geography.Phone(random, country),
                country,
                random.Pick(country.Cities),
                random.Chance(0.55),
                signedUp,
                DemoCalendar.Seconds(updated),
                Math.Min(30, random.Pareto(1.5)),
                signedUp.AddDays(random.Exponential(540)));
        }
        return result;
    }
}
