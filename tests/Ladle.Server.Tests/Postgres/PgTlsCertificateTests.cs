using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Server.Postgres;

namespace Ladle.Server.Tests.Postgres;

public sealed class PgTlsCertificateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ladle-tls-").FullName;

    [Fact]
    public void The_self_signed_certificate_is_made_once_owner_only_and_reused_after()
    {
        using var first = PgTlsCertificate.Load(PostgresTls.SelfSigned, _folder, TimeProvider.System)!;
        using var second = PgTlsCertificate.Load(PostgresTls.SelfSigned, _folder, TimeProvider.System)!;
        Assert.Equal(PgTlsCertificate.Fingerprint(first), PgTlsCertificate.Fingerprint(second));
        Assert.True(second.HasPrivateKey);
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", PgTlsCertificate.Fingerprint(first));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, PgTlsCertificate.KeyFile)));
    }

    [Fact]
    public void Configured_pem_files_are_served_and_bad_ones_refused_with_their_paths()
    {
        using (PgTlsCertificate.Load(PostgresTls.SelfSigned, _folder, TimeProvider.System)) { }
        var certificate = Path.Combine(_folder, PgTlsCertificate.CertificateFile);
        var key = Path.Combine(_folder, PgTlsCertificate.KeyFile);
        using var configured = PgTlsCertificate.Load(new PostgresTls(certificate, key), Path.Combine(_folder, "elsewhere"), TimeProvider.System)!;
        Assert.True(configured.HasPrivateKey);

        var garbage = Path.Combine(_folder, "garbage.pem");
        File.WriteAllText(garbage, "not a certificate");
        var error = Assert.Throws<InvalidRequestException>(() => PgTlsCertificate.Load(new PostgresTls(garbage, key), _folder, TimeProvider.System));
        Assert.Contains(garbage, error.Message, StringComparison.Ordinal);
        Assert.Contains("server.postgres.tls", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_off_has_no_certificate() => Assert.Null(PgTlsCertificate.Load(PostgresTls.Off, _folder, TimeProvider.System));

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
