using System.Text.RegularExpressions;
using DuckDB.NET.Data;

namespace Ladle.Engine.Sources;

/// <summary>Reads DuckDB's file reader errors: which file they name, and their reason without the values they quote.</summary>
internal static partial class FileReadErrors
{
    /// <summary>
    /// The reader's reason, first line only (DuckDB follows it with the SQL, and CSV errors with the offending line):
    /// the public form never quotes a row's value; the detail, for the owner's build log, may.
    /// </summary>
    public static (string Public, string Detail) Reason(DuckDBException e)
    {
        var first = e.Message.Split('\n', 2)[0].Trim();
        var detail = first;
        // "Could not convert string 'many' to INT64": the value is data, which errors must not carry.
        var redacted = ConvertedValue().Replace(first, "could not convert a value");
        return (redacted, detail);
    }

    /// <summary>The first quoted path under <paramref name="folder"/> the message names, if any.</summary>
    public static string? FileNamed(string message, string folder)
    {
        foreach (Match m in QuotedText().Matches(message))
        {
            var text = m.Groups["q"].Success ? m.Groups["q"].Value : m.Groups["d"].Value;
            if (text.StartsWith(folder, StringComparison.Ordinal)) return text;
        }
        return null;
    }

    /// <summary>True when the reader found no file to read (a missing path, a glob matching nothing).</summary>
    public static bool IsNoMatch(string message) => message.Contains("No files found that match", StringComparison.Ordinal);

    [GeneratedRegex("'(?<q>[^']+)'|\"(?<d>[^\"]+)\"")]
    private static partial Regex QuotedText();

    [GeneratedRegex("""[Cc]ould not convert string (?:'[^']*'|"[^"]*")""")]
    private static partial Regex ConvertedValue();
}
