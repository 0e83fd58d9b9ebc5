using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ladle.Protocol.Postgres.Scram;

/// <summary>
/// What the server keeps instead of a password for SCRAM-SHA-256 (RFC 5802/7677): the salt, the iteration count,
/// StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey = HMAC(SaltedPassword, "Server Key"). Written
/// and read in PostgreSQL's pg_authid form <c>SCRAM-SHA-256$&lt;iterations&gt;:&lt;salt&gt;$&lt;StoredKey&gt;:&lt;ServerKey&gt;</c>.
/// </summary>
public sealed class ScramVerifier
{
    /// <summary>The least iteration count accepted: RFC 7677's minimum and PostgreSQL's default.</summary>
    public const int MinIterations = 4096;

    /// <summary>The salt length PostgreSQL uses, in bytes.</summary>
    public const int DefaultSaltLength = 16;

    private const string Prefix = "SCRAM-SHA-256$";
    private const int KeyLength = 32;

    private readonly byte[] _salt;
    private readonly byte[] _storedKey;
    private readonly byte[] _serverKey;

    private ScramVerifier(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey)
    {
        _salt = salt;
        Iterations = iterations;
        _storedKey = storedKey;
        _serverKey = serverKey;
    }

    /// <summary>The PBKDF2 iteration count.</summary>
    public int Iterations { get; }

    /// <summary>The salt.</summary>
    public ReadOnlySpan<byte> Salt => _salt;

    /// <summary>H(ClientKey): what a client proof is checked against.</summary>
    public ReadOnlySpan<byte> StoredKey => _storedKey;

    /// <summary>HMAC(SaltedPassword, "Server Key"): signs the server-final-message.</summary>
    public ReadOnlySpan<byte> ServerKey => _serverKey;

    /// <summary>Derives a verifier from <paramref name="password"/>, with a fresh random salt unless one is given.</summary>
    public static ScramVerifier Create(string password, int iterations = MinIterations, byte[]? salt = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (iterations < MinIterations)
        {
            throw new ArgumentOutOfRangeException(nameof(iterations), iterations, $"SCRAM-SHA-256 needs at least {MinIterations} iterations.");
        }

        salt ??= RandomNumberGenerator.GetBytes(DefaultSaltLength);
        if (salt.Length == 0)
        {
            throw new ArgumentException("The salt cannot be empty.", nameof(salt));
        }

        var prepared = Encoding.UTF8.GetBytes(SaslPrep.Prepare(password));
        var salted = Rfc2898DeriveBytes.Pbkdf2(prepared, salt, iterations, HashAlgorithmName.SHA256, KeyLength);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        CryptographicOperations.ZeroMemory(salted);
        CryptographicOperations.ZeroMemory(clientKey);
        return new ScramVerifier((byte[])salt.Clone(), iterations, storedKey, serverKey);
    }

    /// <summary>
    /// A verifier no password matches, for the mock exchange of an unknown user: random keys, no PBKDF2, so the
    /// exchange costs what a real one costs (the real verifier is precomputed) and timing does not tell them apart.
    /// </summary>
    internal static ScramVerifier Unmatchable(byte[] salt, int iterations = MinIterations) =>
        new(salt, iterations, RandomNumberGenerator.GetBytes(KeyLength), RandomNumberGenerator.GetBytes(KeyLength));

    /// <summary>Reads PostgreSQL's form; throws <see cref="FormatException"/> saying which part is wrong.</summary>
    public static ScramVerifier Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException($"A SCRAM verifier starts with '{Prefix}'.");
        }

        var parts = text[Prefix.Length..].Split('$');
        var left = parts.Length == 2 ? parts[0].Split(':') : [];
        var right = parts.Length == 2 ? parts[1].Split(':') : [];
        if (left.Length != 2 || right.Length != 2)
        {
            throw new FormatException("A SCRAM verifier has the form SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>.");
        }

        if (!int.TryParse(left[0], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < MinIterations)
        {
            throw new FormatException($"The SCRAM verifier's iteration count '{left[0]}' is not a number of at least {MinIterations}.");
        }

        var salt = FromBase64(left[1], "salt");
        var storedKey = FromBase64(right[0], "StoredKey");
        var serverKey = FromBase64(right[1], "ServerKey");
        if (salt.Length == 0 || storedKey.Length != KeyLength || serverKey.Length != KeyLength)
        {
            throw new FormatException($"The SCRAM verifier's salt is empty or its keys are not {KeyLength} bytes.");
        }

        return new ScramVerifier(salt, iterations, storedKey, serverKey);
    }

    /// <summary>PostgreSQL's pg_authid.rolpassword form.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Iterations}:{Convert.ToBase64String(_salt)}${Convert.ToBase64String(_storedKey)}:{Convert.ToBase64String(_serverKey)}");

    private static byte[] FromBase64(string value, string part)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new FormatException($"The SCRAM verifier's {part} is not base64.");
        }
    }
}
