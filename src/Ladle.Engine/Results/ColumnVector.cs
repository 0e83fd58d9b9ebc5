using Ladle.Core.Model;

namespace Ladle.Engine.Results;

/// <summary>
/// One column of a batch: a typed array for its <see cref="LadleType"/> and a null mask.
/// Only the array for the column's type is allocated; batches are reused between reads.
/// </summary>
public sealed class ColumnVector
{
    public ColumnVector(LadleType type, int capacity)
    {
        Type = type;
        Nulls = new bool[capacity];
        switch (type)
        {
            case LadleType.String: Strings = new string?[capacity]; break;
            case LadleType.Integer: Int64s = new long[capacity]; break;
            case LadleType.Double: Doubles = new double[capacity]; break;
            case LadleType.Decimal: Decimals = new decimal[capacity]; break;
            case LadleType.Boolean: Booleans = new bool[capacity]; break;
            case LadleType.Date: Dates = new DateOnly[capacity]; break;
            case LadleType.Timestamp: Timestamps = new DateTime[capacity]; break;
        }
    }

    public LadleType Type { get; }

    /// <summary>True where the value is SQL NULL; the typed array holds default there.</summary>
    public bool[] Nulls { get; }

    public string?[] Strings { get; } = [];
    public long[] Int64s { get; } = [];
    public double[] Doubles { get; } = [];
    public decimal[] Decimals { get; } = [];
    public bool[] Booleans { get; } = [];
    public DateOnly[] Dates { get; } = [];

    /// <summary>Timestamps without zone, in UTC by convention.</summary>
    public DateTime[] Timestamps { get; } = [];

    /// <summary>The value boxed, or null; for tests and slow paths only.</summary>
    public object? GetValue(int row) => Nulls[row] ? null : Type switch
    {
        LadleType.String => Strings[row],
        LadleType.Integer => Int64s[row],
        LadleType.Double => Doubles[row],
        LadleType.Decimal => Decimals[row],
        LadleType.Boolean => Booleans[row],
        LadleType.Date => Dates[row],
        LadleType.Timestamp => Timestamps[row],
        _ => null,
    };
}
