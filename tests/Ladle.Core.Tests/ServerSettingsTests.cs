using Ladle.Core.Errors;
using Ladle.Core.Loading;

namespace Ladle.Core.Tests;

public sealed class ServerSettingsTests
{
    [Fact]
    public void Run_retries_and_backoff_default_to_three_and_thirty_seconds()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject);
        var server = ProjectLoader.Load(p.Root).Server;
        Assert.Equal(3, server.RunRetries);
        Assert.Equal(TimeSpan.FromSeconds(30), server.RetryBackoff);
    }

    [Fact]
    public void Run_retries_and_backoff_are_read_from_the_server_section()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\nserver:\n  run_retries: 0\n  retry_backoff: 2m\n");
        var server = ProjectLoader.Load(p.Root).Server;
        Assert.Equal(0, server.RunRetries);
        Assert.Equal(TimeSpan.FromMinutes(2), server.RetryBackoff);
    }

    [Fact]
    public void Bad_retry_settings_are_reported_where_they_are_written()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\nserver:\n  run_retries: 50\n  retry_backoff: soon\n");
        var e = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));
        var retries = Assert.Single(e.Diagnostics, d => d.Message.Contains("'run_retries' must be a whole number from 0 to 10, not '50'", StringComparison.Ordinal));
        Assert.Equal(new SourceLocation("ladle.yaml", 10, 16), retries.Location);
        var backoff = Assert.Single(e.Diagnostics, d => d.Message.Contains("'retry_backoff' is not a duration: 'soon'", StringComparison.Ordinal));
        Assert.Equal(new SourceLocation("ladle.yaml", 11, 18), backoff.Location);
        Assert.Contains("90s", backoff.Hint, StringComparison.Ordinal);
        Assert.Equal(2, e.Diagnostics.Count);
    }

    [Fact]
    public void The_wire_protocol_is_off_by_default_and_read_from_server_postgres()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject);
        var defaults = ProjectLoader.Load(p.Root).Server.Postgres;
        Assert.Null(defaults.Listen);
        Assert.False(defaults.RequireTls);
        Assert.True(defaults.Tls.IsSelfSigned);
        Assert.Equal(Model.PostgresAuth.ScramSha256, defaults.Auth);

        using var configured = new TempProject()
            .Write("ladle.yaml", TempProject.MinimalProject + "\nserver:\n  postgres:\n    listen: 127.0.0.1:5433\n    require_tls: true\n    auth: password\n    tls:\n      certificate: tls/server.crt\n      key: tls/server.key\n")
            .Write("tls/server.crt", "pem").Write("tls/server.key", "pem");
        var postgres = ProjectLoader.Load(configured.Root).Server.Postgres;
        Assert.Equal("127.0.0.1:5433", postgres.Listen);
        Assert.True(postgres.RequireTls);
        Assert.Equal(Model.PostgresAuth.Password, postgres.Auth);
        Assert.Equal(Path.Combine(configured.Root, "tls", "server.crt"), postgres.Tls.CertificatePath);
        Assert.Equal(Path.Combine(configured.Root, "tls", "server.key"), postgres.Tls.KeyPath);

        using var off = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\nserver:\n  postgres:\n    tls: off\n");
        Assert.False(ProjectLoader.Load(off.Root).Server.Postgres.Tls.Enabled);
    }

    [Fact]
    public void Bad_wire_protocol_settings_are_reported_where_they_are_written()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject
            + "\nserver:\n  postgres:\n    listen: nowhere\n    auth: md5\n    tls:\n      certificate: missing.pem\n      key: missing.key\n    require_tls: maybe\n    ssl: on\n");
        var e = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));
        SourceLocation At(string text) => Assert.Single(e.Diagnostics, d => d.Message.Contains(text, StringComparison.Ordinal)).Location;
        Assert.Equal(new SourceLocation("ladle.yaml", 11, 13), At("'listen' in server.postgres is 'nowhere', not host:port"));
        Assert.Equal(new SourceLocation("ladle.yaml", 12, 11), At("unknown 'auth' 'md5'"));
        Assert.Equal(new SourceLocation("ladle.yaml", 14, 20), At("the TLS certificate file 'missing.pem' does not exist"));
        Assert.Equal(new SourceLocation("ladle.yaml", 15, 12), At("the TLS key file 'missing.key' does not exist"));
        Assert.Equal(new SourceLocation("ladle.yaml", 16, 18), At("'require_tls' must be true or false, not 'maybe'"));
        Assert.Equal(17, At("ssl").Line);
        Assert.Equal(6, e.Diagnostics.Count);
    }
}
