using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ladle.Core.Errors;

namespace Ladle.Core.Queries;

/// <summary>
/// An opaque page cursor: the published version the first page read, the offset of the next page, and a hash
/// of the query so a cursor cannot be replayed against a different filter. Versions are immutable, so offset
/// paging over a pinned version is stable. The version's publication time (Unix milliseconds) rides along, so a
/// cursor is refused by any other version that carries the same number (a project started afresh, say).
/// </summary>
public readonly record struct Cursor(long? Version, long Offset, string QueryHash)
{
    /// <summary>When the pinned version was published, in Unix milliseconds; null in cursors from before it was kept.</summary>
    public long? PublishedAt { get; init; }

    public string Encode()
    {
        var text = $"{Version?.ToString(CultureInfo.InvariantCulture) ?? "-"}:{Offset.ToString(CultureInfo.InvariantCulture)}:{QueryHash}";
        if (PublishedAt is { } at) text += ":" + at.ToString(CultureInfo.InvariantCulture);
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
    }

    public static Cursor Decode(string cursor)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split(':');
            if (parts.Length is 3 or 4 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                long? version = parts[0] == "-" ? null : long.Parse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture);
                long? publishedAt = parts.Length == 4 ? long.Parse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture) : null;
                return new Cursor(version, offset, parts[2]) { PublishedAt = publishedAt };
            }
        }
        catch (FormatException) { }
        throw new InvalidRequestException("the cursor is not one Ladle issued; pass next_cursor from the previous page unchanged", "cursor");
    }

    /// <summary>A short, stable hash of what makes two pages belong to the same query.</summary>
    public static string Hash(RowsQuery query)
    {
        var sb = new StringBuilder();
        sb.Append(query.Dataset.ToLowerInvariant()).Append('|').AppendJoin(',', query.Columns).Append('|');
        foreach (var f in query.Filters)
            sb.Append(f.Column).Append(':').Append(f.Operator).Append(':').AppendJoin(',', f.Values.Select(v => System.Convert.ToString(v, CultureInfo.InvariantCulture))).Append(';');
        sb.Append('|');
        foreach (var o in query.Order) sb.Append(o.Column).Append(o.Descending ? "-" : "+");
        sb.Append('|').Append(query.Limit?.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())).AsSpan(0, 6)).ToLowerInvariant();
    }
}
