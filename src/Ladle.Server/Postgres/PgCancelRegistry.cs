using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Ladle.Server.Postgres;

/// <summary>
/// The sessions a CancelRequest can reach: each gets a random process id and secret key (sent in BackendKeyData),
/// and a CancelRequest that quotes both cancels the session's running statement.
/// </summary>
public sealed class PgCancelRegistry
{
    private readonly ConcurrentDictionary<int, Entry> _sessions = new();
    private readonly int _decoySecret = RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);

    /// <summary>Sessions registered now.</summary>
    public int Count => _sessions.Count;

    /// <summary>Registers <paramref name="session"/> under a new process id and secret key.</summary>
    public (int ProcessId, int SecretKey) Register(PgSession session)
    {
        Span<byte> secret = stackalloc byte[4];
        while (true)
        {
            var processId = RandomNumberGenerator.GetInt32(1, int.MaxValue);
            RandomNumberGenerator.Fill(secret);
            var key = BinaryPrimitives.ReadInt32BigEndian(secret);
            if (_sessions.TryAdd(processId, new Entry(key, session))) return (processId, key);
        }
    }

    /// <summary>Removes the session of <paramref name="processId"/> when its connection ends.</summary>
    public void Unregister(int processId) => _sessions.TryRemove(processId, out _);

    /// <summary>The session a CancelRequest with these keys names, or null; the secret is compared in constant time.</summary>
    public PgSession? Find(int processId, int secretKey)
    {
        var found = _sessions.TryGetValue(processId, out var entry);
        // An unknown process id costs the same comparison as a wrong secret.
        Span<byte> expected = stackalloc byte[4];
        Span<byte> given = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(expected, found ? entry!.Secret : _decoySecret);
        BinaryPrimitives.WriteInt32BigEndian(given, secretKey);
        return CryptographicOperations.FixedTimeEquals(expected, given) && found ? entry!.Session : null;
    }

    /// <summary>Cancels the running statement of the session these keys name; false when they name none.</summary>
    public bool Cancel(int processId, int secretKey)
    {
        if (Find(processId, secretKey) is not { } session) return false;
        session.CancelCurrent();
        return true;
    }

    private sealed record Entry(int Secret, PgSession Session);
}
