namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>
/// StartupMessage: protocol version 3.x and the connection parameters (user, database, application_name, options,
/// and any run-time parameter). A minor version above 0 is accepted here; the server negotiates it down
/// (NegotiateProtocolVersion) together with any <c>_pq_.</c> options it does not know.
/// </summary>
public sealed class StartupMessage(int majorVersion, int minorVersion, KeyValuePair<string, string>[] parameters) : StartupPacket
{
    /// <summary>The protocol major version; always 3 once parsed.</summary>
    public int MajorVersion { get; } = majorVersion;

    /// <summary>The protocol minor version the client asked for.</summary>
    public int MinorVersion { get; } = minorVersion;

    /// <summary>The name/value pairs in the order sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; } = parameters;

    /// <summary>The <c>user</c> parameter, or null when the client did not send one.</summary>
    public string? User => GetParameter("user");

    /// <summary>The <c>database</c> parameter, defaulting to the user name as PostgreSQL does.</summary>
    public string? Database => GetParameter("database") ?? User;

    /// <summary>The value of parameter <paramref name="name"/>, or null.</summary>
    public string? GetParameter(string name)
    {
        foreach (var (key, value) in Parameters)
        {
            if (string.Equals(key, name, StringComparison.Ordinal))
            {
                return value;
            }
        }

        return null;
    }
}
