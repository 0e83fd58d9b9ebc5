namespace Ladle.Server.Postgres;

/// <summary>
/// The run-time parameters reported in ParameterStatus after authentication: what clients check before their first
/// query (server_version as a plain number, UTF8, ISO dates, integer datetimes, standard strings).
/// </summary>
public static class PgServerParameters
{
    /// <summary>The PostgreSQL version Ladle answers as: its protocol, catalog and functions follow 15 (the catalog's version, so version() and server_version agree).</summary>
    public const string ServerVersion = Engine.SqlGateway.Catalog.PgCatalog.ServerVersion;

    /// <summary>The parameters and their values for a session of <paramref name="info"/>, in the order they are sent.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> For(PgSessionInfo info) =>
    [
        new("server_version", ServerVersion),
        new("server_encoding", "UTF8"),
        new("client_encoding", "UTF8"),
        new("DateStyle", "ISO, MDY"),
        new("integer_datetimes", "on"),
        new("standard_conforming_strings", "on"),
        new("TimeZone", "UTC"),
        new("IntervalStyle", "postgres"),
        new("application_name", info.StartupParameters.TryGetValue("application_name", out var name) ? name : ""),
        new("is_superuser", "off"),
        new("session_authorization", info.User),
    ];

    /// <summary>True for the client_encoding values that mean UTF-8 (PostgreSQL accepts these spellings).</summary>
    public static bool IsUtf8(string encoding) =>
        encoding.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToUpperInvariant() is "UTF8" or "UNICODE";
}
