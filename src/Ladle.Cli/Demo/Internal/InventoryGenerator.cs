namespace Ladle.Cli.Demo.Internal;

/// <summary>Stock per listing, sized from the last 30 days of sales so fast sellers hold more and a few run out.</summary>
internal static class InventoryGenerator
{
    public static List<StockLevel> Generate(Catalog catalog, int[] unitsLast30Days, DateTime[] productLastSoldAt, Random random)
    {
        var result = new List<StockLevel>(catalog.ListingCount);
        var discontinuedBefore = DemoCalendar.Anchor.AddDays(-90);
        for (var p = 0; p < catalog.Products.Length; p++)
        {
            for (var l = 0; l < catalog.Listings[p].Length; l++)
            {
                var merchant = catalog.Merchants[catalog.Listings[p][l]];
                var perDay = unitsLast30Days[catalog.ListingIndex[p][l]] / 30.0;
                // A week of cover before reordering.
                var reorderPoint = Math.Max(2, (int)Math.Ceiling(perDay * 7));
                int onHand;
                if (productLastSoldAt[p] < discontinuedBefore) onHand = random.Next(0, 4);
                else if (random.Chance(0.06)) onHand = 0;
                else onHand = (int)Math.Round(perDay * random.Uniform(4, 45) + random.Uniform(0, 15));
                var updated = DemoCalendar.Anchor.AddHours(-Math.Min(24 * 30, random.Exponential(18)));
                result.Add(new StockLevel(merchant.Id, catalog.Products[p].Id, onHand, reorderPoint, DemoCalendar.Seconds(updated)));
            }
        }
        return result;
    }
}
