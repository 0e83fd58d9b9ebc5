namespace Ladle.Engine.Access;

/// <summary>
/// Proof that a caller is the project's owner on this machine: a secret in <c>.ladle/owner.key</c>, readable by the
/// owner's user only. <c>ladle query</c> sends it to a running <c>ladle serve</c> (over loopback) to run the owner's
/// SQL there, since DuckDB lets one process open the store; whoever can read the file could open the store anyway.
/// </summary>
public static class OwnerKey
{
    /// <summary>The header that carries the key.</summary>
    public const string Header = "Ladle-Owner-Key";

    /// <summary>The key of the project whose state lives in <paramref name="stateDirectory"/>, made on first use.</summary>
    public static string Load(string stateDirectory) =>
        KeyFile.ReadOrCreate(Path.Combine(stateDirectory, "owner.key"), "owner key", "delete it to generate a new one");

    /// <summary>True when <paramref name="given"/> is the key, compared in constant time.</summary>
    public static bool Matches(string stateDirectory, string? given) =>
        given is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(Load(stateDirectory)), System.Text.Encoding.ASCII.GetBytes(given.Trim()));
}
