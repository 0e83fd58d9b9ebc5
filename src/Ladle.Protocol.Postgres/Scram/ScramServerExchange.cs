using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Ladle.Protocol.Postgres.Backend;

namespace Ladle.Protocol.Postgres.Scram;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange as PostgreSQL runs it (no channel binding: the client's GS2 header
/// is <c>n,,</c>, or <c>y,,</c> when it could bind but the server does not offer SCRAM-SHA-256-PLUS). Steps:
/// client-first → <see cref="HandleClientFirst"/> → server-first; client-final → <see cref="TryHandleClientFinal"/>
/// → server-final, or false for a wrong password. Malformed messages throw <see cref="PgProtocolException"/> (08P01).
/// The user name inside the SCRAM message is ignored, as in PostgreSQL: the start-up packet's user is the one.
/// </summary>
public sealed class ScramServerExchange
{
    /// <summary>The mechanism name to offer in AuthenticationSASL.</summary>
    public const string Mechanism = "SCRAM-SHA-256";

    /// <summary>
    /// How many verifiers every exchange checks a proof against, whatever the principal holds: fewer are padded with
    /// decoys that match nothing, so the time an exchange takes says nothing of how many tokens the principal has
    /// (only a principal with more than this many makes its exchanges longer).
    /// </summary>
    public const int VerifierSlots = 32;

    private const int ServerNonceBytes = 18;
    private const int MaxNonceLength = 1024;

    private readonly string _user;
    private readonly ScramVerifier _verifier;
    private readonly ScramVerifier[] _candidates;
    private readonly bool _mock;
    private State _state = State.AwaitingClientFirst;
    private string _gs2Header = "";
    private string _clientFirstBare = "";
    private string _serverFirst = "";
    private string _nonce = "";

    /// <summary>Starts an exchange for <paramref name="user"/> whose verifier is <paramref name="verifier"/>.</summary>
    public ScramServerExchange(string user, ScramVerifier verifier)
        : this(user, [verifier], mock: false)
    {
    }

    /// <summary>
    /// Starts an exchange for <paramref name="user"/> who may hold any of several passwords (a principal's API
    /// tokens): the verifiers share one salt and iteration count, since the server sends those before the proof says
    /// which password the client holds. <see cref="MatchedVerifier"/> tells which one matched.
    /// </summary>
    public ScramServerExchange(string user, IReadOnlyList<ScramVerifier> verifiers)
        : this(user, [.. verifiers], mock: false)
    {
    }

    private ScramServerExchange(string user, ScramVerifier[] verifiers, bool mock)
    {
        if (verifiers.Length == 0)
        {
            throw new ArgumentException("An exchange needs at least one verifier; use ForUnknownUser for a user without any.", nameof(verifiers));
        }

        foreach (var verifier in verifiers)
        {
            if (verifier.Iterations != verifiers[0].Iterations || !verifier.Salt.SequenceEqual(verifiers[0].Salt))
            {
                throw new ArgumentException("The verifiers of one exchange must share their salt and iteration count.", nameof(verifiers));
            }
        }

        _user = user;
        _verifier = verifiers[0];
        _candidates = verifiers.Length >= VerifierSlots
            ? verifiers
            : [.. verifiers, .. Enumerable.Range(0, VerifierSlots - verifiers.Length).Select(_ => ScramVerifier.Unmatchable(verifiers[0].Salt.ToArray(), verifiers[0].Iterations))];
        _mock = mock;
    }

    /// <summary>How many verifiers the last client-final-message's proof was checked against (each one costs the same).</summary>
    internal int ProofChecks { get; private set; }

    /// <summary>The index of the verifier the client's proof matched, after <see cref="TryHandleClientFinal"/> returned true; -1 before.</summary>
    public int MatchedVerifier { get; private set; } = -1;

    private enum State
    {
        AwaitingClientFirst,
        AwaitingClientFinal,
        Done,
    }

    /// <summary>
    /// An exchange for a user that does not exist or has no verifier: it runs to the end with a salt derived from
    /// <paramref name="mockSecret"/> and the user name (stable across attempts) and always fails, so a client cannot
    /// tell a missing user from a wrong password.
    /// </summary>
    public static ScramServerExchange ForUnknownUser(string user, ReadOnlySpan<byte> mockSecret)
    {
        var salt = HMACSHA256.HashData(mockSecret, Encoding.UTF8.GetBytes(user))[..ScramVerifier.DefaultSaltLength];
        return new ScramServerExchange(user, [ScramVerifier.Unmatchable(salt)], mock: true);
    }

    /// <summary>The FATAL 28P01 error to send when the exchange fails: the same text whatever the reason.</summary>
    public static PgErrorFields AuthenticationFailed(string user) =>
        new("FATAL", PgSqlState.InvalidPassword, $"password authentication failed for user \"{user}\"");

    /// <summary>Fixes the server's part of the nonce, so a published test vector can be replayed; random otherwise.</summary>
    internal string? ServerNonceForTests { get; set; }

    /// <summary>Reads the client-first-message and returns the server-first-message to send in AuthenticationSASLContinue.</summary>
    public byte[] HandleClientFirst(ReadOnlySpan<byte> clientFirstMessage)
    {
        Expect(State.AwaitingClientFirst);
        _state = State.Done;
        var message = Decode(clientFirstMessage, "client-first-message");

        // gs2-header = gs2-cbind-flag "," [ authzid ] ","
        var firstComma = message.IndexOf(',');
        var secondComma = firstComma < 0 ? -1 : message.IndexOf(',', firstComma + 1);
        if (firstComma < 0 || secondComma < 0)
        {
            Malformed("the client-first-message has no GS2 header (expected it to start with \"n,,\")");
        }

        var flag = message[..firstComma];
        if (flag.StartsWith("p=", StringComparison.Ordinal))
        {
            throw new PgProtocolException(
                PgSqlState.ProtocolViolation,
                "SCRAM channel binding was requested (GS2 flag \"p=\"), but this server offers SCRAM-SHA-256 without channel binding; connect with channel_binding=prefer or disable");
        }

        if (flag is not ("n" or "y"))
        {
            Malformed($"unexpected GS2 channel-binding flag \"{Truncate(flag)}\" (expected \"n\" or \"y\")");
        }

        if (secondComma != firstComma + 1)
        {
            throw new PgProtocolException(PgSqlState.FeatureNotSupported, "client uses SCRAM authorization identity (a=…), which is not supported: leave it empty");
        }

        _gs2Header = message[..(secondComma + 1)];
        _clientFirstBare = message[(secondComma + 1)..];
        var attributes = _clientFirstBare.Split(',');
        if (attributes.Length < 2 || attributes[0].StartsWith("m=", StringComparison.Ordinal))
        {
            if (attributes.Length > 0 && attributes[0].StartsWith("m=", StringComparison.Ordinal))
            {
                throw new PgProtocolException(PgSqlState.FeatureNotSupported, "client requires an unsupported SCRAM extension (m=)");
            }

            Malformed("the client-first-message must hold n=<user>,r=<nonce>");
        }

        if (!attributes[0].StartsWith("n=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
        {
            Malformed("the client-first-message must hold n=<user>,r=<nonce>");
        }

        var clientNonce = attributes[1][2..];
        if (clientNonce.Length == 0 || clientNonce.Length > MaxNonceLength || !IsPrintable(clientNonce))
        {
            Malformed($"the client nonce must be 1 to {MaxNonceLength} printable characters without commas");
        }

        _nonce = clientNonce + (ServerNonceForTests ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(ServerNonceBytes)));
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_verifier.Salt)},i={_verifier.Iterations}";
        _state = State.AwaitingClientFinal;
        return Encoding.UTF8.GetBytes(_serverFirst);
    }

    /// <summary>
    /// Reads the client-final-message and checks the proof. True: <paramref name="serverFinalMessage"/> goes in
    /// AuthenticationSASLFinal, then AuthenticationOk. False: the password is wrong (or the user unknown); send
    /// <see cref="AuthenticationFailed"/> and close.
    /// </summary>
    public bool TryHandleClientFinal(ReadOnlySpan<byte> clientFinalMessage, [NotNullWhen(true)] out byte[]? serverFinalMessage)
    {
        Expect(State.AwaitingClientFinal);
        _state = State.Done;
        serverFinalMessage = null;
        var message = Decode(clientFinalMessage, "client-final-message");
        var proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            Malformed("the client-final-message has no proof (p=) at its end");
        }

        var withoutProof = message[..proofAt];
        var attributes = withoutProof.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("c=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
        {
            Malformed("the client-final-message must start with c=<channel binding>,r=<nonce>");
        }

        var binding = FromBase64(attributes[0][2..], "channel binding");
        if (!CryptographicOperations.FixedTimeEquals(binding, Encoding.UTF8.GetBytes(_gs2Header)))
        {
            Malformed("the channel binding (c=) does not match the GS2 header of the client-first-message");
        }

        if (!string.Equals(attributes[1][2..], _nonce, StringComparison.Ordinal))
        {
            Malformed("the nonce (r=) does not match the one the server sent");
        }

        var proof = FromBase64(message[(proofAt + 3)..], "proof");
        if (proof.Length != SHA256.HashSizeInBytes)
        {
            Malformed($"the proof is {proof.Length} bytes, expected {SHA256.HashSizeInBytes}");
        }

        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        Span<byte> clientKey = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> storedKey = stackalloc byte[SHA256.HashSizeInBytes];
        var matched = -1;
        // Every candidate is checked, decoys included, even after a match: the work is the same whichever token (if any) matches.
        for (var candidate = 0; candidate < _candidates.Length; candidate++)
        {
            ProofChecks++;
            var clientSignature = HMACSHA256.HashData(_candidates[candidate].StoredKey, authMessage);
            for (var i = 0; i < clientKey.Length; i++)
            {
                clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
            }

            SHA256.HashData(clientKey, storedKey);
            if (CryptographicOperations.FixedTimeEquals(storedKey, _candidates[candidate].StoredKey) && matched < 0)
            {
                matched = candidate;
            }
        }

        if (matched < 0 || _mock)
        {
            return false;
        }

        MatchedVerifier = matched;
        var serverSignature = HMACSHA256.HashData(_candidates[matched].ServerKey, authMessage);
        serverFinalMessage = Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(serverSignature));
        return true;
    }

    private static bool IsPrintable(string value)
    {
        foreach (var c in value)
        {
            if (c is < (char)0x21 or > (char)0x7e || c == ',')
            {
                return false;
            }
        }

        return true;
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string what)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            Malformed($"the {what} is not valid UTF-8");
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private static byte[] FromBase64(string value, string what)
    {
        var buffer = new byte[((value.Length + 3) / 4) * 3];
        if (!Convert.TryFromBase64String(value, buffer, out var written))
        {
            Malformed($"the {what} is not base64");
        }

        return buffer[..written];
    }

    private static string Truncate(string value) => value.Length <= 20 ? value : value[..20] + "…";

    [DoesNotReturn]
    private static void Malformed(string why) =>
        throw new PgProtocolException(PgSqlState.ProtocolViolation, $"malformed SCRAM message: {why}");

    private void Expect(State state)
    {
        if (_state != state)
        {
            throw new InvalidOperationException($"The SCRAM exchange for user \"{_user}\" is not waiting for this message (state {_state}).");
        }
    }
}
