using System.Text;

namespace Ladle.Protocol.Postgres.Scram;

/// <summary>
/// SASLprep (RFC 4013) as PostgreSQL applies it to SCRAM passwords: map non-ASCII spaces to a space, drop the
/// "mapped to nothing" characters, normalise to NFKC; a password with prohibited characters (or one normalisation
/// cannot handle) is used as it is, which is what PostgreSQL does too. ASCII — every API token — is unchanged, so
/// that path never depends on the platform's normalisation; without it, a non-ASCII password is refused.
/// </summary>
internal static class SaslPrep
{
    /// <summary>
    /// False when the process runs with InvariantGlobalization (as Ladle does): string.Normalize is then a no-op, so
    /// a non-ASCII password would get a verifier PostgreSQL clients do not compute.
    /// </summary>
    public static bool NormalizationAvailable { get; } = "\uFB01".Normalize(NormalizationForm.FormKC) == "fi";

    public static string Prepare(string password)
    {
        var ascii = true;
        foreach (var c in password)
        {
            if (c > (char)0x7f)
            {
                ascii = false;
                break;
            }
        }

        if (ascii)
        {
            return password;
        }

        if (!NormalizationAvailable)
        {
            throw new ArgumentException(
                "A SCRAM password outside ASCII needs SASLprep's Unicode normalization, which this process does not have (InvariantGlobalization); use an ASCII password (Ladle's tokens are).",
                nameof(password));
        }

        var mapped = new StringBuilder(password.Length);
        foreach (var c in password)
        {
            if (IsMappedToNothing(c))
            {
                continue;
            }

            mapped.Append(IsNonAsciiSpace(c) ? ' ' : c);
        }

        string normalized;
        try
        {
            normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
        }
        catch (Exception e) when (e is ArgumentException or PlatformNotSupportedException)
        {
            return password;
        }

        foreach (var c in normalized)
        {
            if (IsProhibited(c))
            {
                return password;
            }
        }

        return normalized;
    }

    private static bool IsMappedToNothing(char c) => c is '\u00AD' or '\u034F' or '\u1806' or (>= '\u180B' and <= '\u180D')
        or (>= '\u200B' and <= '\u200D') or '\u2060' or (>= '\uFE00' and <= '\uFE0F') or '\uFEFF';

    private static bool IsNonAsciiSpace(char c) => c is '\u00A0' or '\u1680' or (>= '\u2000' and <= '\u200B') or '\u202F'
        or '\u205F' or '\u3000';

    private static bool IsProhibited(char c) => c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)
        || (c >= '\uE000' && c <= '\uF8FF') || c is '\uFFF9' or '\uFFFA' or '\uFFFB' or '\uFFFC' or '\uFFFD' or '\uFFFE' or '\uFFFF'
        || c is (>= '\u2FF0' and <= '\u2FFB') or '\u0340' or '\u0341' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E')
        or (>= '\u206A' and <= '\u206F');
}
