using System.Text;
using System.Text.RegularExpressions;

namespace Ladle.Engine.Access;

/// <summary>
/// Makes caller text safe to keep and to show: control characters (ANSI escapes, NUL, line breaks) are written as
/// \uXXXX, each field is capped, and secrets are never stored: Ladle API tokens, JWTs, and the values of
/// query parameters named like credentials (token, access_token, key, secret, password, authorization).
/// </summary>
public static partial class AuditText
{
    /// <summary>The most characters of one field kept; the rest is counted, not stored.</summary>
    public const int MaxLength = 2000;

    public const string Redacted = "[redacted]";

    [GeneratedRegex(@"ldl_[A-Za-z0-9_\-]{8,}|eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*", RegexOptions.CultureInvariant)]
    private static partial Regex SecretRegex();

    [GeneratedRegex(@"(?<=(?:^|[?&;])(?:[A-Za-z_]*token|api_?key|key|secret|password|passwd|authorization|auth)=)[^&;]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialParameterRegex();

    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var redacted = CredentialParameterRegex().Replace(SecretRegex().Replace(text, Redacted), Redacted);
        var kept = redacted.Length > MaxLength ? redacted[..MaxLength] : redacted;
        var clean = new StringBuilder(kept.Length + 16);
        foreach (var c in kept)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029') clean.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else clean.Append(c);
        }
        if (redacted.Length > MaxLength) clean.Append("…(").Append((redacted.Length - MaxLength).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" more characters)");
        return clean.ToString();
    }
}
