namespace Ladle.Streams.Internal;

/// <summary>CRC-32 (IEEE) of a log frame's kind and payload, so a torn or corrupted frame is never replayed.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = Build();

    private static uint[] Build()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public static uint Compute(byte kind, ReadOnlySpan<byte> payload)
    {
        var crc = 0xFFFFFFFFu;
        crc = Table[(crc ^ kind) & 0xFF] ^ (crc >> 8);
        foreach (var b in payload) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }
}
