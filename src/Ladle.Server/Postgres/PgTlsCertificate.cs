using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ladle.Core.Errors;
using Ladle.Core.Model;

namespace Ladle.Server.Postgres;

/// <summary>
/// The wire protocol's TLS certificate: the configured PEM pair, or a self-signed one generated under <c>.ladle/</c>
/// on first use and reused after (until it nears its end), whose SHA-256 fingerprint <c>ladle serve</c> prints so a
/// client can pin it.
/// </summary>
public static class PgTlsCertificate
{
    /// <summary>The generated certificate's file, beside the state.</summary>
    public const string CertificateFile = "pg-server.crt";

    /// <summary>The generated certificate's private key, owner-only.</summary>
    public const string KeyFile = "pg-server.key";

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(825);

    /// <summary>The certificate to serve TLS with, or null when <paramref name="tls"/> is off.</summary>
    public static X509Certificate2? Load(PostgresTls tls, string stateDirectory, TimeProvider clock)
    {
        if (!tls.Enabled) return null;
        if (!tls.IsSelfSigned) return FromPem(tls.CertificatePath!, tls.KeyPath!, "server.postgres.tls");
        var certificatePath = Path.Combine(stateDirectory, CertificateFile);
        var keyPath = Path.Combine(stateDirectory, KeyFile);
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            var existing = FromPem(certificatePath, keyPath, $"the generated certificate (delete {certificatePath} and {keyPath} to make a new one)");
            if (existing.NotAfter.ToUniversalTime() > clock.GetUtcNow().UtcDateTime.AddDays(7)) return existing;
            existing.Dispose();
        }
        return Generate(certificatePath, keyPath, clock);
    }

    /// <summary>The SHA-256 fingerprint, as <c>AB:CD:…</c> (the form openssl and browsers show).</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)).Chunk(2).Select(pair => new string(pair)));

    private static X509Certificate2 FromPem(string certificatePath, string keyPath, string where)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // Re-imported so the key is usable by SslStream on every platform (an ephemeral PEM key is not on Windows).
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException(
                $"the TLS certificate {certificatePath} with key {keyPath} ({where}) cannot be loaded: {e.Message}; give a PEM certificate and its PEM private key", "tls");
        }
    }

    private static X509Certificate2 Generate(string certificatePath, string keyPath, TimeProvider clock)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Ladle self-signed ({Environment.MachineName})", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Environment.MachineName);
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = clock.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now + Lifetime);
        Directory.CreateDirectory(Path.GetDirectoryName(certificatePath)!);
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static void WritePrivate(string path, string text)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        file.Write(System.Text.Encoding.ASCII.GetBytes(text));
    }
}
