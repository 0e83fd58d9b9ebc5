using System.Collections.Concurrent;

namespace Ladle.Core.Semantic;

/// <summary>IANA time zones by name (Europe/Berlin), looked up once; the system's tz database answers on Linux.</summary>
public static class TimeZones
{
    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Known = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How a zone is written, for error messages.</summary>
    public const string Expected = "an IANA time zone name such as UTC, Europe/Berlin or America/New_York";

    public static bool TryFind(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id)) return false;
        var found = Known.GetOrAdd(id.Trim(), static key =>
        {
            if (key.Equals("UTC", StringComparison.OrdinalIgnoreCase) || key.Equals("Etc/UTC", StringComparison.OrdinalIgnoreCase)) return TimeZoneInfo.Utc;
            try { return TimeZoneInfo.FindSystemTimeZoneById(key); }
            catch (TimeZoneNotFoundException) { return null; }
            catch (InvalidTimeZoneException) { return null; }
        });
        if (found is null) return false;
        zone = found;
        return true;
    }

    /// <summary>The zone's canonical id as written in SQL (UTC for the UTC aliases).</summary>
    public static string IdOf(TimeZoneInfo zone) => zone == TimeZoneInfo.Utc ? "UTC" : zone.Id;

    /// <summary>
    /// The UTC instant of a wall-clock time in <paramref name="zone"/>. A time skipped by a daylight-saving change
    /// moves forward to when the clocks resume; a time that happens twice takes the first.
    /// </summary>
    public static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone == TimeZoneInfo.Utc) return local;
        var probe = local;
        for (var i = 0; i < 16 && zone.IsInvalidTime(probe); i++) probe = probe.AddMinutes(15);
        if (zone.IsInvalidTime(probe)) probe = local;
        var offset = zone.IsAmbiguousTime(probe) ? zone.GetAmbiguousTimeOffsets(probe).Max() : zone.GetUtcOffset(probe);
        return DateTime.SpecifyKind(probe - offset, DateTimeKind.Unspecified);
    }

    /// <summary>The wall-clock time in <paramref name="zone"/> of a UTC instant.</summary>
    public static DateTime ToLocal(DateTime utc, TimeZoneInfo zone) =>
        DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone), DateTimeKind.Unspecified);
}
