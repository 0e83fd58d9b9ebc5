using DuckDB.NET.Data;

namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// Generates the orders, in time order, straight into a DuckDB table through the appender, and
/// remembers what the later tables need: returns, per-customer activity, recent sales per listing.
/// </summary>
internal sealed class OrderGenerator
{
    public const string CreateTable = """
        CREATE TABLE orders (
            order_id BIGINT, customer_id INTEGER, product_id INTEGER, merchant_id INTEGER, region VARCHAR,
            channel VARCHAR, status VARCHAR, quantity INTEGER, amount DECIMAL(12, 2), discount_pct INTEGER,
            ordered_at TIMESTAMP)
        """;

    private static readonly string[] ApparelReasons = ["wrong_size", "not_as_described", "changed_mind", "damaged", "late_delivery"];
    private static readonly WeightedPicker ApparelReasonPicker = new([0.5, 0.2, 0.15, 0.1, 0.05]);
    private static readonly string[] OtherReasons = ["damaged", "not_as_described", "changed_mind", "late_delivery", "wrong_size"];
    private static readonly WeightedPicker OtherReasonPicker = new([0.3, 0.3, 0.25, 0.1, 0.05]);

    /// <summary>A restocking fee kept when the customer simply changed their mind.</summary>
    private const decimal RestockingFee = 4.95m;

    private readonly Catalog _catalog;
    private readonly Customer[] _customers;
    private readonly long[] _signupTicks;
    private readonly WeightedPicker _customerPicker;
    private readonly WeightedPicker[] _categoryByMonth;
    private readonly Random _random;

    public OrderGenerator(Catalog catalog, Customer[] customers, Random random)
    {
        _catalog = catalog;
        _customers = customers;
        _random = random;
        _signupTicks = customers.Select(c => c.SignedUpAt.Ticks).ToArray();
        _customerPicker = new WeightedPicker(customers.Select(c => c.Activity).ToArray());
        _categoryByMonth = Enumerable.Range(0, 12)
            .Select(m => new WeightedPicker(Category.All.Select(c => c.ProductShare * c.MonthlyDemand[m]).ToArray()))
            .ToArray();
        Activity = new CustomerActivity(customers.Length);
        ListingUnitsLast30Days = new int[catalog.ListingCount];
        ProductLastSoldAt = new DateTime[catalog.Products.Length];
    }

    public CustomerActivity Activity { get; }
    public List<ReturnRecord> Returns { get; } = [];

    /// <summary>Units sold per listing (see <see cref="Catalog.ListingIndex"/>) in the 30 days before the anchor.</summary>
    public int[] ListingUnitsLast30Days { get; }

    public DateTime[] ProductLastSoldAt { get; }

    /// <summary>Appends <paramref name="orders"/> rows to the table made by <see cref="CreateTable"/>.</summary>
    public void Generate(DuckDBAppender appender, int orders, CancellationToken ct)
    {
        var perDay = OrderCalendar.OrdersPerDay(orders, _random);
        var hourPicker = new WeightedPicker(OrderCalendar.HourWeights);
        var recentFrom = DemoCalendar.Anchor.AddDays(-365);
        var last30From = DemoCalendar.Anchor.AddDays(-30);
        long orderId = 0;
        for (var d = 0; d < perDay.Length; d++)
        {
            ct.ThrowIfCancellationRequested();
            var day = DemoCalendar.OrdersStart.AddDays(d);
            var seconds = new int[perDay[d]];
            for (var i = 0; i < seconds.Length; i++) seconds[i] = hourPicker.Next(_random) * 3600 + _random.Next(3600);
            Array.Sort(seconds);
            foreach (var second in seconds)
            {
                var at = day.AddSeconds(second);
                orderId++;
                var customer = PickCustomer(at);
                var category = _categoryByMonth[at.Month - 1].Next(_random);
                var productIndex = _catalog.PickerByCategory[category].Next(_random);
                var product = _catalog.ByCategory[category][productIndex];
                var listing = PickListing(product.Id - 1, at);
                var merchant = _catalog.Merchants[_catalog.Listings[product.Id - 1][listing]];
                var quantity = Quantity(Category.All[category]);
                var discount = Discount(at);
                var amount = decimal.Round(product.UnitPrice * quantity * (100 - discount) / 100m, 2, MidpointRounding.AwayFromZero);
                var channel = Channel(d);
                var status = Status(at, channel, Category.All[category], out var returnedAt);
                if (status == "returned")
                {
                    var reason = category == 0 ? ApparelReasons[ApparelReasonPicker.Next(_random)] : OtherReasons[OtherReasonPicker.Next(_random)];
                    var refund = reason == "changed_mind" ? Math.Max(0m, amount - RestockingFee) : amount;
                    Returns.Add(new ReturnRecord(orderId, customer.Id, merchant.Id, reason, refund, returnedAt));
                }
                if (status != "cancelled")
                {
                    var c = customer.Id - 1;
                    if (Activity.Orders[c] == 0) Activity.FirstOrderAt[c] = at;
                    Activity.Orders[c]++;
                    Activity.LastOrderAt[c] = at;
                    if (status != "returned")
                    {
                        Activity.Spend[c] += amount;
                        if (at >= recentFrom) Activity.RecentSpend[c] += amount;
                    }
                    if (at >= last30From) ListingUnitsLast30Days[_catalog.ListingIndex[product.Id - 1][listing]] += quantity;
                    ProductLastSoldAt[product.Id - 1] = at;
                }

                appender.CreateRow()
                    .AppendValue(orderId)
                    .AppendValue(customer.Id)
                    .AppendValue(product.Id)
                    .AppendValue(merchant.Id)
                    .AppendValue(customer.Country.Region)
                    .AppendValue(channel)
                    .AppendValue(status)
                    .AppendValue(quantity)
                    .AppendValue(amount)
                    .AppendValue(discount)
                    .AppendValue(at)
                    .EndRow();
            }
        }
    }

    /// <summary>A customer who has signed up by then and, most likely, has not yet churned.</summary>
    private Customer PickCustomer(DateTime at)
    {
        var signedUp = Array.BinarySearch(_signupTicks, at.Ticks);
        var eligible = signedUp >= 0 ? signedUp + 1 : ~signedUp;
        Customer candidate = _customers[_customerPicker.NextAmong(_random, Math.Max(1, eligible))];
        // Rejection keeps churned customers quiet without rebuilding the picker every day.
        for (var tries = 0; tries < 12 && candidate.ChurnsAt < at; tries++)
            candidate = _customers[_customerPicker.NextAmong(_random, Math.Max(1, eligible))];
        return candidate;
    }

    /// <summary>Which of the product's listings sells it: bigger merchants more often, none before it joined.</summary>
    private int PickListing(int product, DateTime at)
    {
        var listings = _catalog.Listings[product];
        if (listings.Length == 1) return 0;
        Span<double> weights = stackalloc double[listings.Length];
        var total = 0.0;
        for (var l = 0; l < listings.Length; l++)
        {
            var merchant = _catalog.Merchants[listings[l]];
            weights[l] = merchant.JoinedAt <= at ? merchant.Size * (l == 0 ? 2 : 1) : 0;
            total += weights[l];
        }
        var target = _random.NextDouble() * total;
        for (var l = 0; l < listings.Length; l++)
        {
            target -= weights[l];
            if (target < 0) return l;
        }
        return 0;
    }

    private int Quantity(Category category)
    {
        var more = category.Name == "grocery" ? 0.45 : 0.22;
        var quantity = 1;
        while (quantity < category.MaxQuantity && _random.Chance(more)) quantity++;
        return quantity;
    }

    private int Discount(DateTime at)
    {
        if (OrderCalendar.IsBlackFridayWeekend(at)) return _random.Chance(0.45) ? 20 : 0;
        if (at.Month == 12 && at.Day <= 20) return _random.Chance(0.25) ? 10 : 0;
        return _random.Chance(0.06) ? (_random.Chance(0.7) ? 10 : 15) : 0;
    }

    /// <summary>The app's share grows from 30% to 50% of orders over the two years.</summary>
    private string Channel(int day)
    {
        var u = _random.NextDouble();
        if (u < 0.1) return "marketplace_api";
        var appShare = 0.3 + 0.2 * day / DemoCalendar.OrderDays;
        return u < 0.1 + appShare ? "app" : "web";
    }

    private string Status(DateTime at, string channel, Category category, out DateTime returnedAt)
    {
        returnedAt = default;
        var age = (DemoCalendar.Anchor - at).TotalDays;
        // Orders from the last two days may not have shipped yet.
        if (age < 2 && _random.Chance(age < 0.5 ? 0.95 : age < 1 ? 0.7 : 0.3)) return "pending";
        if (_random.Chance(channel == "web" ? 0.03 : 0.025)) return "cancelled";
        if (_random.Chance(category.ReturnRate))
        {
            returnedAt = DemoCalendar.Seconds(at.AddDays(2 + Math.Min(40, _random.Exponential(7))));
            // A return not yet received by the anchor is, as far as the data knows, a completed order.
            if (returnedAt < DemoCalendar.Anchor) return "returned";
        }
        return "completed";
    }
}
