using System.Security.Cryptography;
using System.Text;

namespace Ladle.Engine.Access;

/// <summary>
/// The SCRAM salt of each principal. SCRAM sends the salt before the client proves which token it holds, so every
/// token of a principal shares one: HMAC(key, principal), with a key kept beside the state (<c>scram.key</c>). The
/// wire protocol's mock exchange for unknown users derives its salt the same way from the same key, so a salt says
/// nothing about whether a principal exists. Tokens are 256-bit random secrets: a shared salt costs them nothing.
/// </summary>
public sealed class ScramSalts
{
    private readonly Lazy<byte[]> _key;

    public ScramSalts(string stateDirectory) =>
        _key = new(() => Convert.FromHexString(KeyFile.ReadOrCreate(Path.Combine(stateDirectory, "scram.key"), "SCRAM salt key",
            "delete it to generate a new one (tokens made before then must be made again to sign in over the wire protocol)")));

    /// <summary>The key the mock exchange of an unknown user derives its salt from.</summary>
    public ReadOnlySpan<byte> Key => _key.Value;

    /// <summary>The salt of <paramref name="principal"/>'s verifiers.</summary>
    public byte[] For(string principal) =>
        HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes(principal))[..Protocol.Postgres.Scram.ScramVerifier.DefaultSaltLength];
}
