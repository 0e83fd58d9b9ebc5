using Ladle.Core.Model;
using Ladle.Core.Model.Streams;

namespace Ladle.Streams.Windows;

/// <summary>
/// The running state of one window's aggregates: counts, sums, minima and maxima updated per event (and merged
/// when session windows join); a percentile keeps its values, since an exact percentile needs them.
/// </summary>
internal sealed class Accumulator
{
    private readonly AggregateSpec[] _specs;
    private readonly long[] _counts;
    private readonly double[] _sums;
    private readonly long[] _integerSums;
    private readonly double[] _mins;
    private readonly double[] _maxs;
    private readonly long[] _integerMins;
    private readonly long[] _integerMaxs;
    private readonly List<double>?[] _values;

    public Accumulator(AggregateSpec[] specs)
    {
        _specs = specs;
        _counts = new long[specs.Length];
        _sums = new double[specs.Length];
        _integerSums = new long[specs.Length];
        _mins = new double[specs.Length];
        _maxs = new double[specs.Length];
        _integerMins = new long[specs.Length];
        _integerMaxs = new long[specs.Length];
        _values = new List<double>?[specs.Length];
        for (var i = 0; i < specs.Length; i++)
        {
            _mins[i] = double.PositiveInfinity;
            _maxs[i] = double.NegativeInfinity;
            _integerMins[i] = long.MaxValue;
            _integerMaxs[i] = long.MinValue;
            if (specs[i].Function == AggregateFunction.Percentile) _values[i] = [];
        }
    }

    /// <summary>Events counted in the window.</summary>
    public long Events { get; private set; }

    public void Add(object?[] values)
    {
        Events++;
        for (var i = 0; i < _specs.Length; i++)
        {
            var spec = _specs[i];
            if (spec.Column < 0) { _counts[i]++; continue; }
            var value = values[spec.Column];
            if (value is null) continue;
            _counts[i]++;
            if (spec.Integral)
            {
                var l = value is DateTime t ? t.Ticks : (long)value;
                _integerSums[i] = unchecked(_integerSums[i] + l);
                if (l < _integerMins[i]) _integerMins[i] = l;
                if (l > _integerMaxs[i]) _integerMaxs[i] = l;
            }
            else
            {
                var d = value is decimal m ? (double)m : value is long l ? l : (double)value;
                _sums[i] += d;
                if (d < _mins[i]) _mins[i] = d;
                if (d > _maxs[i]) _maxs[i] = d;
                _values[i]?.Add(d);
            }
        }
    }

    /// <summary>Writes the state to a snapshot.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(Events);
        for (var i = 0; i < _specs.Length; i++)
        {
            writer.Write(_counts[i]);
            writer.Write(_sums[i]);
            writer.Write(_integerSums[i]);
            writer.Write(_mins[i]);
            writer.Write(_maxs[i]);
            writer.Write(_integerMins[i]);
            writer.Write(_integerMaxs[i]);
            if (_values[i] is not { } values) continue;
            writer.Write(values.Count);
            foreach (var value in values) writer.Write(value);
        }
    }

    /// <summary>A state as <see cref="Write"/> wrote it.</summary>
    public static Accumulator Read(AggregateSpec[] specs, BinaryReader reader)
    {
        var state = new Accumulator(specs) { Events = reader.ReadInt64() };
        for (var i = 0; i < specs.Length; i++)
        {
            state._counts[i] = reader.ReadInt64();
            state._sums[i] = reader.ReadDouble();
            state._integerSums[i] = reader.ReadInt64();
            state._mins[i] = reader.ReadDouble();
            state._maxs[i] = reader.ReadDouble();
            state._integerMins[i] = reader.ReadInt64();
            state._integerMaxs[i] = reader.ReadInt64();
            if (state._values[i] is not { } values) continue;
            var count = reader.ReadInt32();
            values.Capacity = count;
            for (var v = 0; v < count; v++) values.Add(reader.ReadDouble());
        }
        return state;
    }

    /// <summary>Adds another window's state to this one (two sessions an event joined).</summary>
    public void Merge(Accumulator other)
    {
        Events += other.Events;
        for (var i = 0; i < _specs.Length; i++)
        {
            _counts[i] += other._counts[i];
            _sums[i] += other._sums[i];
            _integerSums[i] = unchecked(_integerSums[i] + other._integerSums[i]);
            _mins[i] = Math.Min(_mins[i], other._mins[i]);
            _maxs[i] = Math.Max(_maxs[i], other._maxs[i]);
            _integerMins[i] = Math.Min(_integerMins[i], other._integerMins[i]);
            _integerMaxs[i] = Math.Max(_integerMaxs[i], other._integerMaxs[i]);
            if (_values[i] is { } values) values.AddRange(other._values[i]!);
        }
    }

    /// <summary>The aggregates' values, in declaration order (null where no event had a value, except counts).</summary>
    public object?[] Results()
    {
        var results = new object?[_specs.Length];
        for (var i = 0; i < _specs.Length; i++)
        {
            var spec = _specs[i];
            if (spec.Function == AggregateFunction.Count) { results[i] = _counts[i]; continue; }
            if (_counts[i] == 0) continue;
            results[i] = spec.Function switch
            {
                AggregateFunction.Sum => spec.Integral ? _integerSums[i] : _sums[i],
                AggregateFunction.Avg => (spec.Integral ? (double)_integerSums[i] : _sums[i]) / _counts[i],
                AggregateFunction.Min => spec.Integral ? Integral(spec, _integerMins[i]) : _mins[i],
                AggregateFunction.Max => spec.Integral ? Integral(spec, _integerMaxs[i]) : _maxs[i],
                AggregateFunction.Percentile => Percentile(_values[i]!, spec.Percentile),
                _ => null,
            };
        }
        return results;
    }

    private static object Integral(AggregateSpec spec, long value) => spec.Timestamp ? new DateTime(value, DateTimeKind.Utc) : value;

    /// <summary>Linear interpolation between the closest ranks (DuckDB's quantile_cont).</summary>
    private static double Percentile(List<double> values, double p)
    {
        values.Sort();
        var position = p * (values.Count - 1);
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return values[low] + (values[high] - values[low]) * (position - low);
    }
}

/// <summary>An aggregate compiled against the stream's columns.</summary>
internal sealed record AggregateSpec(AggregateFunction Function, int Column, bool Integral, bool Timestamp, double Percentile)
{
    public static AggregateSpec[] For(StreamDefinition stream) => stream.Aggregates.Select(a =>
    {
        var index = a.Column is null ? -1 : stream.Columns.ToList().FindIndex(c => string.Equals(c.Name, a.Column, StringComparison.OrdinalIgnoreCase));
        var type = index < 0 ? LadleType.Integer : stream.Columns[index].Type;
        // Integer sums stay exact; a timestamp's min and max are kept as ticks; an integer's avg and percentile are doubles.
        var integral = type is LadleType.Integer or LadleType.Timestamp && a.Function is not AggregateFunction.Percentile;
        return new AggregateSpec(a.Function, index, integral, type == LadleType.Timestamp, a.Percentile);
    }).ToArray();
}
