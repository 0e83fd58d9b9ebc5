using Ladle.Core.Model;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;

namespace Ladle.Engine.Tests.Encoders;

/// <summary>
/// A result with every type, a null in every column, awkward text, extreme values and more rows than one
/// batch; <see cref="Value"/> says what each cell holds so that tests can compare what they read back.
/// </summary>
internal static class Sample
{
    public const int Rows = 10_000;
    public const int BatchSize = 4096;

    public const int Text = 0, Whole = 1, Real = 2, Money = 3, Flag = 4, Day = 5, Moment = 6;

    public static readonly ResultSchema Schema = new(
    [
        new ResultColumn("text", LadleType.String),
        new ResultColumn("whole", LadleType.Integer),
        new ResultColumn("real", LadleType.Double),
        new ResultColumn("money", LadleType.Decimal),
        new ResultColumn("flag", LadleType.Boolean),
        new ResultColumn("day", LadleType.Date),
        new ResultColumn("moment", LadleType.Timestamp),
    ]);

    /// <summary>Rows 1 to 8 are the special ones; row 0 is all null.</summary>
    private static readonly object?[][] Special =
    [
        [null, null, null, null, null, null, null],
        ["comma, \"quote\"\r\nnewline", long.MaxValue, double.MaxValue, decimal.MaxValue, true, DateOnly.MaxValue, Utc(9999, 12, 31, 23, 59, 59).AddTicks(9_999_990)],
        ["=SUM(A1:A2)", long.MinValue, -double.Epsilon, decimal.MinValue, false, DateOnly.MinValue, Utc(1, 1, 1, 0, 0, 0)],
        ["", 0L, 0.1 + 0.2, 0.000000001m, true, new DateOnly(1900, 2, 28), Utc(1900, 1, 1, 12, 0, 0)],
        ["ünïcødé 🚀 中文\ttab", -1L, double.NaN, -123456789.123456789m, false, new DateOnly(1900, 3, 1), Utc(1900, 3, 1, 0, 0, 0)],
        ["  leading and trailing spaces  ", 1L, double.PositiveInfinity, 1.5m, true, new DateOnly(1970, 1, 1), Utc(1970, 1, 1, 0, 0, 0).AddTicks(10)],
        ["line1\nline2\rline3", 42L, double.NegativeInfinity, -0.5m, false, new DateOnly(2024, 2, 29), Utc(2024, 2, 29, 23, 59, 59).AddTicks(5_000_000)],
        ["_x0041_ is not an escape", 9_007_199_254_740_993L, 1e-300, 100m, true, new DateOnly(2038, 1, 19), Utc(2038, 1, 19, 3, 14, 7)],
        ["bell\u0007 and nul\u0000 inside", -9_007_199_254_740_993L, -1.7976931348623157e308, 12345678901234567890.123456789m, false, new DateOnly(1999, 12, 31), Utc(1999, 12, 31, 23, 59, 59).AddTicks(9_999_990)],
    ];

    public static BatchListStream Result(int rows = Rows, int batchSize = BatchSize) => new(Schema, RowList(rows), batchSize);

    public static IReadOnlyList<object?[]> RowList(int rows = Rows)
    {
        var list = new List<object?[]>(rows);
        for (var k = 0; k < rows; k++)
        {
            var row = new object?[Schema.Columns.Count];
            for (var c = 0; c < row.Length; c++) row[c] = Value(k, c);
            list.Add(row);
        }
        return list;
    }

    /// <summary>The value at row <paramref name="k"/>, column <paramref name="c"/>, boxed, or null.</summary>
    public static object? Value(int k, int c)
    {
        if (k < Special.Length) return Special[k][c];
        if ((k + c) % 11 == 0) return null;
        return c switch
        {
            Text => $"row {k} é",
            Whole => k * 1_000_003L - 5_000_000_000L,
            Real => k / 7.0,
            Money => k * 1.25m + 0.000000001m,
            Flag => k % 3 == 0,
            Day => new DateOnly(2000, 1, 1).AddDays(k),
            Moment => Utc(2020, 1, 1, 0, 0, 0).AddTicks(k * 123_456_780L),
            _ => throw new ArgumentOutOfRangeException(nameof(c)),
        };
    }

    /// <summary>Encodes into a body that refuses synchronous writes and returns the bytes.</summary>
    public static async Task<byte[]> EncodeAsync(IResultEncoder encoder, ResultStream result, EncodeContext? context = null)
    {
        var body = new AsyncOnlyStream();
        await encoder.WriteAsync(result, body, context ?? new EncodeContext(), CancellationToken.None);
        return body.ToArray();
    }

    private static DateTime Utc(int year, int month, int day, int hour, int minute, int second) =>
        new(year, month, day, hour, minute, second, DateTimeKind.Utc);
}
