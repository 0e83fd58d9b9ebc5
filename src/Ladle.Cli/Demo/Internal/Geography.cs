namespace Ladle.Cli.Demo.Internal;

/// <summary>A country customers and merchants can live in, with the cities addresses are drawn from.</summary>
internal sealed record Country(string Code, string Region, double Weight, string CallingCode, string[] Cities);

/// <summary>The world as the demo sees it: four sales regions and the countries in them, weighted by share of customers.</summary>
internal static class Geography
{
    public static readonly Country[] Countries =
    [
        new("US", "north_america", 26, "1", ["New York", "Los Angeles", "Chicago", "Houston", "Seattle", "Boston", "Austin", "Denver", "Atlanta", "Miami"]),
        new("CA", "north_america", 6, "1", ["Toronto", "Vancouver", "Montreal", "Calgary"]),
        new("GB", "europe", 10, "44", ["London", "Manchester", "Leeds", "Bristol", "Glasgow"]),
        new("DE", "europe", 9, "49", ["Berlin", "Munich", "Hamburg", "Cologne", "Frankfurt"]),
        new("FR", "europe", 7, "33", ["Paris", "Lyon", "Marseille", "Toulouse"]),
        new("ES", "europe", 5, "34", ["Madrid", "Barcelona", "Valencia", "Seville"]),
        new("IT", "europe", 4, "39", ["Milan", "Rome", "Turin", "Bologna"]),
        new("NL", "europe", 3, "31", ["Amsterdam", "Rotterdam", "Utrecht"]),
        new("PT", "europe", 2, "351", ["Lisbon", "Porto", "Braga"]),
        new("SE", "europe", 1.5, "46", ["Stockholm", "Gothenburg"]),
        new("PL", "europe", 1.5, "48", ["Warsaw", "Krakow", "Wroclaw"]),
        new("JP", "asia_pacific", 5, "81", ["Tokyo", "Osaka", "Yokohama"]),
        new("AU", "asia_pacific", 4, "61", ["Sydney", "Melbourne", "Brisbane"]),
        new("SG", "asia_pacific", 2, "65", ["Singapore"]),
        new("IN", "asia_pacific", 3, "91", ["Mumbai", "Bengaluru", "Delhi"]),
        new("KR", "asia_pacific", 1.5, "82", ["Seoul", "Busan"]),
        new("BR", "latin_america", 4, "55", ["Sao Paulo", "Rio de Janeiro", "Belo Horizonte"]),
        new("MX", "latin_america", 3, "52", ["Mexico City", "Guadalajara", "Monterrey"]),
        new("AR", "latin_america", 1, "54", ["Buenos Aires", "Cordoba"]),
        new("CL", "latin_america", 1, "56", ["Santiago", "Valparaiso"]),
        new("CO", "latin_america", 1, "57", ["Bogota", "Medellin"]),
    ];

    public static readonly WeightedPicker CountryPicker = new(Countries.Select(c => c.Weight).ToArray());

    /// <summary>A plausible but fictitious number in international format: +CC then area and subscriber digits.</summary>
    public static string Phone(Random random, Country country)
    {
        // North American 555-01xx numbers are reserved for fiction; elsewhere the digits are random.
        if (country.CallingCode == "1")
            return $"+1 {random.Next(201, 990)} 555 01{random.Next(0, 100):D2}";
        return $"+{country.CallingCode} {random.Next(10, 100)} {random.Next(100, 1000)} {random.Next(1000, 10000)}";
    }
}
