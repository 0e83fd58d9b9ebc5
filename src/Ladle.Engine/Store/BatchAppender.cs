using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Engine.Results;

namespace Ladle.Engine.Store;

/// <summary>Appends column batches to a DuckDB table through the appender, with typed calls and no boxing.</summary>
internal static class BatchAppender
{
    public static void Append(DuckDBAppender appender, ColumnBatch batch)
    {
        var columns = batch.Columns;
        for (var r = 0; r < batch.Count; r++)
        {
            var row = appender.CreateRow();
            for (var c = 0; c < columns.Length; c++)
            {
                var v = columns[c];
                if (v.Nulls[r]) { row.AppendNullValue(); continue; }
                switch (v.Type)
                {
                    case LadleType.String: row.AppendValue(v.Strings[r]); break;
                    case LadleType.Integer: row.AppendValue((long?)v.Int64s[r]); break;
                    case LadleType.Double: row.AppendValue((double?)v.Doubles[r]); break;
                    case LadleType.Decimal: row.AppendValue((decimal?)v.Decimals[r]); break;
                    case LadleType.Boolean: row.AppendValue((bool?)v.Booleans[r]); break;
                    case LadleType.Date: row.AppendValue((DateOnly?)v.Dates[r]); break;
                    case LadleType.Timestamp: row.AppendValue((DateTime?)v.Timestamps[r]); break;
                }
            }
            row.EndRow();
        }
    }
}
