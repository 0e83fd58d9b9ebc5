using System.Reflection;
using Parquet;
using Parquet.Meta;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// Parquet.Net 6.1 writes a microsecond timestamp column's values in microseconds but its row-group min/max in
/// milliseconds (aloneguid/parquet-dotnet#769). Readers trust those statistics: DuckDB sorts with them and every
/// engine that prunes row groups by them would skip rows a filter should match. Until the library is fixed, the
/// statistics of timestamp columns are removed from the footer before it is written; the null count is kept.
/// A file without min/max is read by scanning, which is always right.
/// </summary>
internal static class ParquetTimestampStatistics
{
    private static readonly FieldInfo? Footer = typeof(ParquetWriter).GetField("_footer", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly FieldInfo? FileMeta = Footer?.FieldType.GetField("_fileMeta", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>Drops min/max of the columns named <paramref name="timestampColumns"/> from every row group written so far.</summary>
    public static void Drop(ParquetWriter writer, IReadOnlySet<string> timestampColumns)
    {
        if (timestampColumns.Count == 0) return;
        var footer = Footer?.GetValue(writer);
        if (footer is null || FileMeta?.GetValue(footer) is not FileMetaData meta)
            throw new InvalidOperationException(
                "Parquet.Net's footer is not where Ladle expects it (ParquetWriter._footer._fileMeta): check whether the library fixed timestamp statistics (parquet-dotnet#769) and remove ParquetTimestampStatistics");
        foreach (var group in meta.RowGroups ?? [])
            foreach (var chunk in group.Columns ?? [])
                if (chunk.MetaData is { Statistics: { } statistics } column && column.PathInSchema is [var name] && timestampColumns.Contains(name))
                    column.Statistics = new Statistics { NullCount = statistics.NullCount };
    }
}
