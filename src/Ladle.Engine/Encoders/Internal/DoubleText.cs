using System.Globalization;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// The shortest text that reads back as the same double. .NET 10 runtimes up to at least 10.0.12 get two
/// magnitudes wrong (dotnet/runtime#135582: Dragon4 mishandles exact powers of two): 2^-25 and 2^-958 come
/// out one digit short and read back as a neighbour. Those two are written with 17 significant digits.
/// </summary>
internal static class DoubleText
{
    private const long MagnitudeBits = long.MaxValue;
    private const long TwoToTheMinus25 = (1023L - 25) << 52;
    private const long TwoToTheMinus958 = (1023L - 958) << 52;

    /// <summary>True for the two values whose shortest form the runtime may get wrong.</summary>
    public static bool NeedsAllDigits(double value) =>
        (BitConverter.DoubleToInt64Bits(value) & MagnitudeBits) is TwoToTheMinus25 or TwoToTheMinus958;

    public static int Format(double value, Span<byte> destination)
    {
        value.TryFormat(destination, out var written, NeedsAllDigits(value) ? "G17" : default, NumberFormatInfo.InvariantInfo);
        return written;
    }

    public static int Format(double value, Span<char> destination)
    {
        value.TryFormat(destination, out var written, NeedsAllDigits(value) ? "G17" : default, NumberFormatInfo.InvariantInfo);
        return written;
    }
}
