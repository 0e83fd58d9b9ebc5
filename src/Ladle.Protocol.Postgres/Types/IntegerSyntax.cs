namespace Ladle.Protocol.Postgres.Types;

/// <summary>Tells an integer that is too large (22003) from one that is not an integer (22P02).</summary>
internal static class IntegerSyntax
{
    public static bool IsInteger(ReadOnlySpan<char> text)
    {
        if (text.Length > 0 && text[0] is '+' or '-')
        {
            text = text[1..];
        }

        return text.Length > 0 && !text.ContainsAnyExceptInRange('0', '9');
    }
}
