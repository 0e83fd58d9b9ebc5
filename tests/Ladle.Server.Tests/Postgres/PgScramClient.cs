using System.Security.Cryptography;
using System.Text;

namespace Ladle.Server.Tests.Postgres;

/// <summary>
/// The client side of SCRAM-SHA-256 written from RFC 5802/7677 (independently of the server's code), so a test can
/// sign in over a raw socket and then send whatever bytes it likes. The salted password is cached per salt and
/// iteration count: every token of a principal shares them, and PBKDF2 is the expensive step.
/// </summary>
internal sealed class PgScramClient(string password)
{
    private readonly Dictionary<string, byte[]> _salted = new(StringComparer.Ordinal);

    /// <summary>The client-first-message as sent: GS2 header without channel binding, then the bare part (the user is the start-up packet's, so n= is empty).</summary>
    public static byte[] ClientFirst(string nonce) => Encoding.UTF8.GetBytes("n,,n=,r=" + nonce);

    /// <summary>The client-final-message answering <paramref name="serverFirst"/> in the exchange begun with <paramref name="nonce"/>, with its proof.</summary>
    public byte[] ClientFinal(string serverFirst, string nonce)
    {
        var fields = serverFirst.Split(',').ToDictionary(f => f[..1], f => f[2..], StringComparer.Ordinal);
        var salted = Salted(fields["s"], int.Parse(fields["i"], System.Globalization.CultureInfo.InvariantCulture));
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var withoutProof = "c=biws,r=" + fields["r"];
        var authMessage = "n=,r=" + nonce + "," + serverFirst + "," + withoutProof;
        var signature = HMACSHA256.HashData(storedKey, Encoding.UTF8.GetBytes(authMessage));
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++) proof[i] = (byte)(clientKey[i] ^ signature[i]);
        return Encoding.UTF8.GetBytes(withoutProof + ",p=" + Convert.ToBase64String(proof));
    }

    private byte[] Salted(string salt, int iterations)
    {
        var key = salt + ":" + iterations.ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (_salted)
        {
            if (!_salted.TryGetValue(key, out var salted))
                _salted[key] = salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(salt), iterations, HashAlgorithmName.SHA256, 32);
            return salted;
        }
    }
}
