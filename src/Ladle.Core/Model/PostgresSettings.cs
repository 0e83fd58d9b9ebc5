namespace Ladle.Core.Model;

/// <summary>Settings under <c>server.postgres:</c> in ladle.yaml: the PostgreSQL wire-protocol listener.</summary>
public sealed record PostgresSettings
{
    /// <summary>host:port the wire protocol listens on; null (the default) serves no wire protocol unless <c>--pg</c> asks.</summary>
    public string? Listen { get; init; }

    /// <summary>Refuse connections that did not start TLS (pg_hba's <c>hostssl</c>).</summary>
    public bool RequireTls { get; init; }

    /// <summary>Where the TLS certificate comes from.</summary>
    public PostgresTls Tls { get; init; } = PostgresTls.SelfSigned;

    /// <summary>
    /// How a password is asked for: <see cref="PostgresAuth.ScramSha256"/> (always), or <see cref="PostgresAuth.Password"/>
    /// (cleartext, only ever on TLS connections; plain ones still get SCRAM).
    /// </summary>
    public PostgresAuth Auth { get; init; } = PostgresAuth.ScramSha256;
}

/// <summary>How the wire protocol asks for the password (an API token).</summary>
public enum PostgresAuth
{
    /// <summary>SCRAM-SHA-256: the token never crosses the wire.</summary>
    ScramSha256,

    /// <summary>Cleartext password, accepted only inside TLS.</summary>
    Password,
}

/// <summary>
/// The TLS certificate of the wire protocol: PEM files from the configuration, one generated under <c>.ladle/</c> for
/// local use (the default), or none (SSLRequest is declined).
/// </summary>
/// <param name="CertificatePath">The PEM certificate (chain), absolute; null unless configured.</param>
/// <param name="KeyPath">The PEM private key, absolute; null unless configured.</param>
/// <param name="Enabled">False for <c>tls: off</c>.</param>
public sealed record PostgresTls(string? CertificatePath, string? KeyPath, bool Enabled = true)
{
    /// <summary>A self-signed certificate generated under <c>.ladle/</c> on first use and kept.</summary>
    public static PostgresTls SelfSigned { get; } = new(null, null);

    /// <summary>No TLS: SSLRequest is answered 'N'.</summary>
    public static PostgresTls Off { get; } = new(null, null, Enabled: false);

    /// <summary>True when the certificate is generated rather than configured.</summary>
    public bool IsSelfSigned => Enabled && CertificatePath is null;
}
