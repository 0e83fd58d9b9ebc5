namespace Ladle.Cli.Demo.Internal;

/// <summary>A product category and the habits of its buyers: prices, basket sizes, seasons and returns.</summary>
internal sealed record Category(
    string Name,
    double ProductShare,
    double MedianPrice,
    double ReturnRate,
    int MaxQuantity,
    double[] MonthlyDemand,
    string[] Adjectives,
    string[] Nouns,
    string[] Brands)
{
    public static readonly Category[] All =
    [
        new("apparel", 0.28, 32, 0.085, 3,
            [0.9, 0.8, 1.0, 1.1, 1.1, 1.0, 0.9, 0.9, 1.1, 1.1, 1.2, 1.3],
            ["Classic", "Slim", "Relaxed", "Organic", "Linen", "Merino", "Everyday", "Vintage", "Oversized", "Stretch"],
            ["T-Shirt", "Shirt", "Jeans", "Chinos", "Dress", "Sweater", "Hoodie", "Jacket", "Coat", "Skirt", "Socks", "Scarf"],
            ["Northline", "Fieldwear", "Atelier Nine", "Basic Thread", "Coastal Co"]),
        new("electronics", 0.14, 95, 0.04, 2,
            [0.85, 0.8, 0.85, 0.9, 0.9, 0.9, 0.95, 1.0, 1.0, 1.05, 1.5, 1.6],
            ["Wireless", "Compact", "Smart", "Portable", "Pro", "Ultra", "Noise-Cancelling", "Fast"],
            ["Earbuds", "Headphones", "Speaker", "Charger", "Power Bank", "Keyboard", "Mouse", "Webcam", "Smartwatch", "Tablet Stand"],
            ["Voltica", "Sonari", "Kinetix", "Lumen", "Arcwave"]),
        new("home", 0.18, 38, 0.03, 4,
            [0.95, 0.9, 1.05, 1.1, 1.05, 0.95, 0.9, 0.95, 1.0, 1.05, 1.15, 1.2],
            ["Ceramic", "Oak", "Cotton", "Minimal", "Nordic", "Handmade", "Recycled", "Cosy"],
            ["Mug Set", "Throw Blanket", "Lamp", "Cushion", "Vase", "Towel Set", "Frying Pan", "Storage Box", "Candle", "Rug"],
            ["Hearthly", "Casa Bella", "Nordhem", "Oakroom"]),
        new("beauty", 0.12, 16, 0.02, 4,
            [0.95, 1.05, 1.0, 1.0, 1.05, 1.05, 1.0, 0.95, 0.95, 1.0, 1.15, 1.35],
            ["Hydrating", "Gentle", "Vitamin C", "Daily", "Overnight", "Mineral", "Fragrance-Free"],
            ["Face Cream", "Serum", "Cleanser", "Lip Balm", "Shampoo", "Body Lotion", "Sunscreen", "Hand Cream"],
            ["Lumiere", "Pure Botanic", "Skinly", "Aurelle"]),
        new("grocery", 0.10, 6, 0.005, 8,
            [1.05, 1.0, 1.0, 1.0, 1.0, 0.95, 0.95, 0.95, 1.0, 1.0, 1.05, 1.15],
            ["Organic", "Single-Origin", "Roasted", "Wholegrain", "Spiced", "Cold-Pressed", "Fair Trade"],
            ["Coffee Beans", "Green Tea", "Olive Oil", "Granola", "Dark Chocolate", "Honey", "Pasta", "Almonds"],
            ["Good Harvest", "Terra", "Morning Field", "Pantry & Co"]),
        new("sports", 0.10, 35, 0.045, 3,
            [1.25, 1.05, 1.0, 1.05, 1.1, 1.15, 1.1, 1.0, 0.95, 0.9, 0.9, 1.0],
            ["Lightweight", "Trail", "Performance", "Breathable", "Insulated", "Grip", "Adjustable"],
            ["Running Shoes", "Yoga Mat", "Water Bottle", "Dumbbells", "Backpack", "Cycling Gloves", "Tent", "Shorts"],
            ["Peakline", "Stride", "Ventus", "Ironpeak"]),
        new("toys", 0.08, 22, 0.03, 3,
            [0.7, 0.7, 0.75, 0.8, 0.8, 0.8, 0.85, 0.85, 0.9, 1.05, 1.7, 2.4],
            ["Wooden", "Classic", "Creative", "Musical", "Build-Your-Own", "Plush", "Glow"],
            ["Puzzle", "Building Blocks", "Board Game", "Train Set", "Doll", "Kite", "Art Kit", "Robot Kit"],
            ["Toyvale", "Little Makers", "Playwise"]),
    ];
}
