namespace Ladle.Cli.Demo.Internal;

/// <summary>Products, merchants and which merchant lists which product: the fixed part of the retail demo.</summary>
internal sealed class Catalog
{
    private static readonly string[] MerchantPrefixes =
        ["Northwind", "Blue Harbor", "Red Fern", "Silver Oak", "Golden Mile", "Old Mill", "Bright Lane", "Stone Bridge",
         "Green Valley", "Iron Gate", "Sunrise", "Maple", "Harbour Light", "Wildflower", "Cedar", "Copper Kettle"];
    private static readonly string[] MerchantSuffixes =
        ["Goods", "Outfitters", "Trading", "Supply", "Market", "Collective", "Store", "House", "Emporium", "Studio"];

    private Catalog(Product[] products, Merchant[] merchants, int[][] listings)
    {
        Products = products;
        Merchants = merchants;
        Listings = listings;
        ByCategory = Enumerable.Range(0, Category.All.Length)
            .Select(c => products.Where(p => p.Category == c).ToArray())
            .ToArray();
        PickerByCategory = ByCategory.Select(ps => new WeightedPicker(ps.Select(p => p.Popularity).ToArray())).ToArray();
        ListingIndex = new int[products.Length][];
        var next = 0;
        for (var p = 0; p < products.Length; p++)
        {
            ListingIndex[p] = new int[listings[p].Length];
            for (var l = 0; l < listings[p].Length; l++) ListingIndex[p][l] = next++;
        }
        ListingCount = next;
    }

    public Product[] Products { get; }
    public Merchant[] Merchants { get; }

    /// <summary>For each product (by index), the indexes of the merchants who sell it; the first joined before the orders begin.</summary>
    public int[][] Listings { get; }

    /// <summary>For each product and listing position, a dense number for per-listing statistics.</summary>
    public int[][] ListingIndex { get; }

    public int ListingCount { get; }
    public Product[][] ByCategory { get; }
    public WeightedPicker[] PickerByCategory { get; }

    public static Catalog Generate(DemoSizes sizes, Random random)
    {
        var merchants = GenerateMerchants(sizes.Merchants, random);
        var products = GenerateProducts(sizes.Products, random);
        var listings = new int[products.Length][];
        var established = merchants.Where(m => m.JoinedAt < DemoCalendar.OrdersStart).Select(m => m.Id - 1).ToArray();
        var sizePicker = new WeightedPicker(merchants.Select(m => m.Size).ToArray());
        for (var p = 0; p < products.Length; p++)
        {
            // Merchants mostly list products of their own category.
            var category = products[p].Category;
            var home = established.Where(m => merchants[m].Category == category).ToArray();
            var first = home.Length > 0 ? random.Pick(home) : random.Pick(established);
            var list = new List<int> { first };
            var extra = random.Chance(0.45) ? (random.Chance(0.3) ? 2 : 1) : 0;
            for (var tries = 0; list.Count < 1 + extra && tries < 20; tries++)
            {
                var candidate = sizePicker.Next(random);
                if (!list.Contains(candidate)) list.Add(candidate);
            }
            listings[p] = list.ToArray();
        }
        return new Catalog(products, merchants, listings);
    }

    private static Merchant[] GenerateMerchants(int count, Random random)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var result = new Merchant[count];
        var earliest = new DateTime(2021, 1, 1);
        var span = (DemoCalendar.Anchor.AddDays(-30) - earliest).TotalDays;
        for (var i = 0; i < count; i++)
        {
            var name = $"{random.Pick(MerchantPrefixes)} {random.Pick(MerchantSuffixes)}";
            if (!used.Add(name)) name = $"{name} {i + 1}";
            used.Add(name);
            var country = Geography.Countries[Geography.CountryPicker.Next(random)];
            var tierDraw = random.NextDouble();
            var (tier, commission) = tierDraw < 0.7 ? ("standard", 15.0) : tierDraw < 0.92 ? ("plus", 12.5) : ("premier", 10.0);
            // Most merchants were on board before the two years of orders; the rest joined during them.
            var joined = random.Chance(0.75)
                ? earliest.AddDays(random.Uniform(0, (DemoCalendar.OrdersStart - earliest).TotalDays))
                : DemoCalendar.OrdersStart.AddDays(random.Uniform(0, span - (DemoCalendar.OrdersStart - earliest).TotalDays));
            result[i] = new Merchant(i + 1, name, country, random.Next(Category.All.Length), tier, commission,
                DemoCalendar.Seconds(joined), random.Pareto(1.2));
        }
        return result;
    }

    private static Product[] GenerateProducts(int count, Random random)
    {
        var categoryPicker = new WeightedPicker(Category.All.Select(c => c.ProductShare).ToArray());
        var result = new Product[count];
        for (var i = 0; i < count; i++)
        {
            var c = categoryPicker.Next(random);
            var category = Category.All[c];
            var name = $"{random.Pick(category.Adjectives)} {random.Pick(category.Nouns)}";
            var raw = random.LogNormal(category.MedianPrice, 0.55);
            // Shelf prices end in .99 or .49, as real ones do.
            var price = Math.Max(0.99m, Math.Floor((decimal)raw) + (random.Chance(0.7) ? 0.99m : 0.49m));
            var popularity = Math.Pow(random.Pareto(1.1), 1.3);
            result[i] = new Product(i + 1, $"SKU-{category.Name[..3].ToUpperInvariant()}-{100000 + i * 37 % 900000:D6}", name, c,
                random.Pick(category.Brands), price, popularity);
        }
        return result;
    }
}
