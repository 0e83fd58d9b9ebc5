namespace Ladle.Core.Model;

/// <summary>The logical column types Ladle serves; every source type maps onto one of these.</summary>
public enum LadleType : byte
{
    String,
    Integer,
    Double,
    Decimal,
    Boolean,
    Date,
    Timestamp,
}

/// <summary>Names of <see cref="LadleType"/> as users write them in YAML, with common aliases.</summary>
public static class LadleTypes
{
    private static readonly Dictionary<string, LadleType> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["string"] = LadleType.String, ["text"] = LadleType.String, ["varchar"] = LadleType.String,
        ["integer"] = LadleType.Integer, ["int"] = LadleType.Integer, ["bigint"] = LadleType.Integer, ["long"] = LadleType.Integer,
        ["double"] = LadleType.Double, ["float"] = LadleType.Double, ["real"] = LadleType.Double, ["number"] = LadleType.Double,
        ["decimal"] = LadleType.Decimal, ["numeric"] = LadleType.Decimal,
        ["boolean"] = LadleType.Boolean, ["bool"] = LadleType.Boolean,
        ["date"] = LadleType.Date,
        ["timestamp"] = LadleType.Timestamp, ["datetime"] = LadleType.Timestamp,
    };

    /// <summary>The names a user may write, for error messages.</summary>
    public const string Allowed = "string, integer, double, decimal, boolean, date, timestamp";

    public static bool TryParse(string text, out LadleType type) => Aliases.TryGetValue(text.Trim(), out type);

    /// <summary>The canonical lower-case name, as shown in the catalog.</summary>
    public static string Name(this LadleType type) => type switch
    {
        LadleType.String => "string",
        LadleType.Integer => "integer",
        LadleType.Double => "double",
        LadleType.Decimal => "decimal",
        LadleType.Boolean => "boolean",
        LadleType.Date => "date",
        LadleType.Timestamp => "timestamp",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>True for types that order numerically or chronologically (range filters make sense).</summary>
    public static bool IsOrdered(this LadleType type) => type != LadleType.Boolean;
}
