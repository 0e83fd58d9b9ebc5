using System.Globalization;

namespace Ladle.Engine.State;

/// <summary>Names a set of versions briefly for messages: "orders v1-v30, customers v3 (31 versions of 2 datasets)".</summary>
public static class VersionRanges
{
    private const int MaxDatasets = 6;

    public static string Describe(IEnumerable<(string Dataset, long Version)> versions)
    {
        var groups = versions.GroupBy(v => v.Dataset, StringComparer.OrdinalIgnoreCase)
            .Select(g => (Dataset: g.Key, Versions: g.Select(v => v.Version).Distinct().Order().ToList()))
            .OrderBy(g => g.Dataset, StringComparer.OrdinalIgnoreCase)
            .ToList();
        var total = groups.Sum(g => g.Versions.Count);
        var named = groups.Take(MaxDatasets).Select(g => $"{g.Dataset} {Numbers(g.Versions)}");
        var more = groups.Count > MaxDatasets ? $" and {groups.Count - MaxDatasets} more" : "";
        return $"{string.Join(", ", named)}{more} ({total} version(s) of {groups.Count} dataset(s))";
    }

    /// <summary>Version numbers as ranges: "v1-v3, v7".</summary>
    public static string Numbers(IEnumerable<long> numbers)
    {
        var versions = numbers.Distinct().Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < versions.Count; i++)
        {
            var start = versions[i];
            while (i + 1 < versions.Count && versions[i + 1] == versions[i] + 1) i++;
            parts.Add(start == versions[i] ? V(start) : $"{V(start)}-{V(versions[i])}");
        }
        return string.Join(", ", parts);
    }

    private static string V(long version) => "v" + version.ToString(CultureInfo.InvariantCulture);
}
