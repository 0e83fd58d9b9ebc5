using System.Buffers;

namespace Ladle.Protocol.Postgres.Tests.Support;

/// <summary>Builds multi-segment sequences, so parsers are tested on data split the way a socket splits it.</summary>
internal static class Sequences
{
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        if (cuts.Length == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        Segment? first = null;
        Segment? last = null;
        var start = 0;
        foreach (var cut in cuts.Append(bytes.Length))
        {
            var end = Math.Clamp(cut, start, bytes.Length);
            var segment = new Segment(bytes.AsMemory(start, end - start));
            if (first is null)
            {
                first = segment;
            }
            else
            {
                last!.Append(segment);
            }

            last = segment;
            start = end;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
