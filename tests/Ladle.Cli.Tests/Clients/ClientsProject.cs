using System.Globalization;

namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// tests/clients/project: the project every client reads, and its rows in the canonical text the harnesses print
/// (numbers without trailing zeros, booleans true/false, timestamps yyyy-MM-ddTHH:mm:ss, NULL as null).
/// </summary>
public static class ClientsProject
{
    public static string Folder => Path.Combine(ClientHarness.ClientsFolder, "project");

    public static readonly string[] OrderColumns = ["order_id", "customer_id", "region", "status", "amount", "discount", "express", "order_date", "ordered_at", "note"];

    /// <summary>The PostgreSQL type OIDs of orders' columns as Ladle and PostgreSQL both state them.</summary>
    public static readonly long[] OrderTypeOids = [20, 20, 25, 25, 1700, 701, 16, 1082, 1114, 25];

    /// <summary>The type names psql's \d and information_schema give orders' columns.</summary>
    public static readonly string[] OrderTypeNames = ["bigint", "bigint", "text", "text", "numeric", "double precision", "boolean", "date", "timestamp without time zone", "text"];

    /// <summary>Every order, ordered by order_id, as canonical text.</summary>
    public static IReadOnlyList<string?[]> Orders { get; } = ReadOrders();

    /// <summary>Every customer, ordered by customer_id (all text, no NULLs).</summary>
    public static IReadOnlyList<string?[]> Customers { get; } =
        ParseCsv(File.ReadAllText(Path.Combine(Folder, "data", "customers.csv"))).Skip(1).Select(r => r.Select(v => (string?)v).ToArray()).ToList();

    public static IEnumerable<string?[]> Project(IEnumerable<string?[]> rows, params string[] columns) =>
        rows.Select(r => columns.Select(c => r[Array.IndexOf(OrderColumns, c)]).ToArray());

    /// <summary>The canonical text of a value PostgreSQL spelled as text (psql's output, COPY's CSV).</summary>
    public static string? Canonical(string column, string? text)
    {
        if (text is null or "<null>" || (text.Length == 0 && column != "note")) return null;
        return column switch
        {
            "amount" or "discount" => CanonicalNumber(text),
            "express" => text is "t" or "true" ? "true" : text is "f" or "false" ? "false" : text,
            "ordered_at" => text.Replace(' ', 'T'),
            _ => text,
        };
    }

    public static string CanonicalNumber(string text)
    {
        var value = decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        var canonical = value.ToString("0.############################", CultureInfo.InvariantCulture);
        return canonical == "-0" ? "0" : canonical;
    }

    private static List<string?[]> ReadOrders()
    {
        var records = ParseCsv(File.ReadAllText(Path.Combine(Folder, "data", "orders.csv")));
        var header = records[0];
        // In the CSV an empty field is NULL (to DuckDB's reader and to PostgreSQL's COPY alike).
        return records.Skip(1)
            .Select(r => OrderColumns.Select(c => r[Array.IndexOf(header, c)] is { Length: > 0 } v ? Canonical(c, v) : null).ToArray())
            .ToList();
    }

    /// <summary>RFC 4180 records: fields in double quotes may hold commas, quotes (doubled) and line breaks.</summary>
    public static List<string[]> ParseCsv(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
            }
            else if (c != '\r') field.Append(c);
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }
        return records;
    }
}
