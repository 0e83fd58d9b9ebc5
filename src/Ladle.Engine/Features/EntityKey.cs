using System.Globalization;
using System.Text;
using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Core.Model;

namespace Ladle.Engine.Features;

/// <summary>
/// An entity's key as one text, the same whether its values come from the store (typed by the key columns' types)
/// or from a request (JSON numbers or strings, parsed to those types): the online store's dictionary key.
/// </summary>
public static class EntityKey
{
    private const char Separator = '\u001f';

    /// <summary>The key of values read from the store, one per key column, typed as <paramref name="types"/>.</summary>
    public static string Of(IReadOnlyList<object?> values, IReadOnlyList<LadleType> types)
    {
        if (values.Count == 1) return Normal(values[0], types[0]);
        var text = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0) text.Append(Separator);
            text.Append(Normal(values[i], types[i]));
        }
        return text.ToString();
    }

    /// <summary>A stored or parsed value in its one spelling for its type.</summary>
    public static string Normal(object? value, LadleType type) => value switch
    {
        null => "\0",
        DateTime t when type == LadleType.Date => DateOnly.FromDateTime(t).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.Ticks.ToString(CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.Ticks.ToString(CultureInfo.InvariantCulture),
        decimal m => m.ToString("0.############################", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// A request's value for a key column of <paramref name="type"/>, typed as the store holds it; a value that is
    /// not of the type is a 400 naming <paramref name="parameter"/> (and not the value).
    /// </summary>
    public static object Parse(JsonElement value, LadleType type, string parameter)
    {
        object? parsed = (type, value.ValueKind) switch
        {
            (LadleType.String, JsonValueKind.String) => value.GetString()!,
            (LadleType.String, JsonValueKind.Number) => value.GetRawText(),
            (LadleType.Integer, JsonValueKind.Number) => value.TryGetInt64(out var l) ? l : null,
            (LadleType.Integer, JsonValueKind.String) => long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null,
            (LadleType.Decimal, JsonValueKind.Number) => value.TryGetDecimal(out var m) ? m : null,
            (LadleType.Decimal, JsonValueKind.String) => decimal.TryParse(value.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var m) ? m : null,
            (LadleType.Boolean, JsonValueKind.True) => true,
            (LadleType.Boolean, JsonValueKind.False) => false,
            (LadleType.Date, JsonValueKind.String) => DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null,
            (LadleType.Timestamp, JsonValueKind.String) => DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.UtcDateTime : null,
            _ => null,
        };
        return parsed ?? throw new InvalidRequestException(
            $"{parameter} must be a {type.Name()} (the key column's type), not a JSON {value.ValueKind.ToString().ToLowerInvariant()} of another form", parameter);
    }
}
