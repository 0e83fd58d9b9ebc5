using System.Globalization;
using System.Text.Json;

namespace Ladle.Engine.Tests.Encoders;

/// <summary>Compares a row read back with System.Text.Json against <see cref="Sample"/>.</summary>
internal static class JsonRowAssert
{
    public static void Matches(int k, JsonElement row)
    {
        Assert.Equal(JsonValueKind.Object, row.ValueKind);
        Assert.Equal(Sample.Schema.Columns.Count, row.EnumerateObject().Count());
        for (var c = 0; c < Sample.Schema.Columns.Count; c++)
        {
            var expected = Sample.Value(k, c);
            var actual = row.GetProperty(Sample.Schema.Columns[c].Name);
            if (expected is null || expected is double d && !double.IsFinite(d))
            {
                Assert.Equal(JsonValueKind.Null, actual.ValueKind);
                continue;
            }
            switch (expected)
            {
                case string s: Assert.Equal(s, actual.GetString()); break;
                case long l: Assert.Equal(l, actual.GetInt64()); break;
                case double x: Assert.Equal(x, actual.GetDouble()); break;
                case decimal m: Assert.Equal(m, actual.GetDecimal()); break;
                case bool b: Assert.Equal(b, actual.GetBoolean()); break;
                case DateOnly day:
                    Assert.Equal(day, DateOnly.ParseExact(actual.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture));
                    break;
                case DateTime moment:
                    var text = actual.GetString()!;
                    Assert.EndsWith("Z", text, StringComparison.Ordinal);
                    Assert.Equal(moment, DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).UtcDateTime);
                    break;
                default: throw new InvalidOperationException(expected.GetType().Name);
            }
        }
    }
}
