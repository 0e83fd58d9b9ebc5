using System.Text;
using Ladle.Protocol.Postgres.Scram;
using Ladle.Protocol.Postgres.Tests.Support;
using Npgsql;

namespace Ladle.Protocol.Postgres.Tests;

public sealed class ScramTests
{
    [Fact]
    public void Rfc_7677_test_vector_verifies_and_yields_the_published_server_signature()
    {
        var verifier = ScramVerifier.Create("pencil", 4096, Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="));
        var exchange = new ScramServerExchange("user", verifier) { ServerNonceForTests = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0" };

        var serverFirst = exchange.HandleClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"u8);
        Assert.Equal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", Encoding.UTF8.GetString(serverFirst));

        Assert.True(exchange.TryHandleClientFinal(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="u8,
            out var serverFinal));
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Encoding.UTF8.GetString(serverFinal));
    }

    [Fact]
    public void With_several_verifiers_of_one_salt_the_one_whose_password_the_client_holds_matches()
    {
        var salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");
        var exchange = new ScramServerExchange("user", [ScramVerifier.Create("other", 4096, salt), ScramVerifier.Create("pencil", 4096, salt)])
        {
            ServerNonceForTests = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        };
        Assert.Equal(-1, exchange.MatchedVerifier);
        exchange.HandleClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"u8);
        Assert.True(exchange.TryHandleClientFinal(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="u8,
            out var serverFinal));
        Assert.Equal(1, exchange.MatchedVerifier);
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Encoding.UTF8.GetString(serverFinal));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(5, 4)]
    [InlineData(20, 0)]
    [InlineData(20, 19)]
    [InlineData(0, -1)]
    public void An_exchange_checks_as_many_verifiers_whether_the_principal_has_one_token_or_many_or_none(int tokens, int holder)
    {
        // The work of checking a proof must not tell how many tokens the principal holds, nor which one matched.
        var salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");
        var verifiers = Enumerable.Range(0, tokens).Select(i => ScramVerifier.Create(i == holder ? "pencil" : "token" + i, 4096, salt)).ToList();
        var exchange = tokens == 0
            ? ScramServerExchange.ForUnknownUser("user", "mock-secret"u8)
            : new ScramServerExchange("user", verifiers);
        exchange.ServerNonceForTests = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        var serverFirst = Encoding.UTF8.GetString(exchange.HandleClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"u8));
        Assert.StartsWith("r=rOprNGfwEbeRWgbNEkqO", serverFirst, StringComparison.Ordinal);

        // RFC 7677's proof for the password "pencil" with this salt and these nonces.
        var matched = exchange.TryHandleClientFinal(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="u8, out _);

        Assert.Equal(holder >= 0, matched);
        Assert.Equal(holder, exchange.MatchedVerifier);
        Assert.Equal(ScramServerExchange.VerifierSlots, exchange.ProofChecks);
    }

    [Fact]
    public void Verifiers_of_different_salts_cannot_share_an_exchange()
    {
        Assert.Throws<ArgumentException>(() => new ScramServerExchange("user", [ScramVerifier.Create("a"), ScramVerifier.Create("b")]));
    }

    [Fact]
    public void A_proof_from_another_password_fails_without_a_server_signature()
    {
        var verifier = ScramVerifier.Create("not pencil", 4096, Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="));
        var exchange = new ScramServerExchange("user", verifier) { ServerNonceForTests = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0" };
        exchange.HandleClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"u8);
        Assert.False(exchange.TryHandleClientFinal(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="u8,
            out var serverFinal));
        Assert.Null(serverFinal);
    }

    [Theory]
    [InlineData("p=tls-server-end-point,,n=,r=abc", "08P01", "channel binding")]
    [InlineData("n,a=admin,n=,r=abc", "0A000", "authorization identity")]
    [InlineData("n,,m=ext,n=,r=abc", "0A000", "extension")]
    [InlineData("x,,n=,r=abc", "08P01", "GS2")]
    [InlineData("n,,n=,r=", "08P01", "nonce")]
    [InlineData("n,,r=abc", "08P01", "n=<user>,r=<nonce>")]
    public void A_client_first_message_scram_cannot_take_is_refused_with_a_reason(string message, string sqlState, string reason)
    {
        var exchange = new ScramServerExchange("user", ScramVerifier.Create("pw"));
        var error = Assert.Throws<PgProtocolException>(() => exchange.HandleClientFirst(Encoding.UTF8.GetBytes(message)));
        Assert.Equal(sqlState, error.SqlState);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c=biws,r=WRONG,p=AAAA", "nonce")]
    [InlineData("c=eSws,r={nonce},p=AAAA", "channel binding")]
    [InlineData("c=biws,r={nonce}", "no proof")]
    [InlineData("c=biws,r={nonce},p=AAAA", "proof is 3 bytes")]
    [InlineData("c=biws,r={nonce},p=!!!!", "not base64")]
    public void A_client_final_message_that_does_not_follow_the_first_is_refused(string message, string reason)
    {
        var exchange = new ScramServerExchange("user", ScramVerifier.Create("pw")) { ServerNonceForTests = "SERVER" };
        exchange.HandleClientFirst("n,,n=,r=client"u8);
        var error = Assert.Throws<PgProtocolException>(() => exchange.TryHandleClientFinal(Encoding.UTF8.GetBytes(message.Replace("{nonce}", "clientSERVER", StringComparison.Ordinal)), out _));
        Assert.Equal(PgSqlState.ProtocolViolation, error.SqlState);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_user_gets_a_stable_salt_and_always_fails()
    {
        string ServerFirst(string user)
        {
            var exchange = ScramServerExchange.ForUnknownUser(user, "secret"u8);
            return Encoding.UTF8.GetString(exchange.HandleClientFirst("n,,n=,r=abc"u8));
        }

        static string Salt(string serverFirst) => serverFirst.Split(',')[1];
        Assert.Equal(Salt(ServerFirst("ghost")), Salt(ServerFirst("ghost")));
        Assert.NotEqual(Salt(ServerFirst("ghost")), Salt(ServerFirst("other")));
        Assert.EndsWith(",i=4096", ServerFirst("ghost"), StringComparison.Ordinal);

        var mock = ScramServerExchange.ForUnknownUser("ghost", "secret"u8);
        mock.ServerNonceForTests = "S";
        mock.HandleClientFirst("n,,n=,r=abc"u8);
        Assert.False(mock.TryHandleClientFinal("c=biws,r=abcS,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="u8, out _));
    }

    [Fact]
    public void Verifier_serializes_in_pg_authid_form_and_parses_back()
    {
        var verifier = ScramVerifier.Create("pw", 4096, [1, 2, 3, 4]);
        var text = verifier.ToString();
        Assert.StartsWith("SCRAM-SHA-256$4096:AQIDBA==$", text, StringComparison.Ordinal);
        Assert.Equal(text, ScramVerifier.Parse(text).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => ScramVerifier.Create("pw", 1000));
        Assert.Contains("at least 4096", Assert.Throws<FormatException>(() => ScramVerifier.Parse(text.Replace("$4096:", "$1000:", StringComparison.Ordinal))).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ScramVerifier.Parse("md5abc"));
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("with space and $ymbols:$")]
    public async Task Verifier_matches_what_postgres_15_stores_for_the_same_password_salt_and_iterations(string password)
    {
        var role = "ladle_scram_" + Guid.NewGuid().ToString("N")[..10];
        await using var connection = new NpgsqlConnection(PostgresOracle.ConnectionString);
        await connection.OpenAsync();
        try
        {
            await using (var create = new NpgsqlCommand($"SET password_encryption = 'scram-sha-256'; CREATE ROLE {role} LOGIN PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'", connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            await using var select = new NpgsqlCommand("SELECT rolpassword FROM pg_authid WHERE rolname = $1", connection) { Parameters = { new() { Value = role } } };
            var stored = (string)(await select.ExecuteScalarAsync())!;
            var theirs = ScramVerifier.Parse(stored);
            var ours = ScramVerifier.Create(password, theirs.Iterations, theirs.Salt.ToArray());
            Assert.Equal(stored, ours.ToString());
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP ROLE IF EXISTS {role}", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task A_non_ascii_password_is_prepared_as_postgres_does_or_refused_where_normalization_is_missing()
    {
        const string password = "ﬁnance\u00A0Ⅸ";
        if (!SaslPrep.NormalizationAvailable)
        {
            var error = Assert.Throws<ArgumentException>(() => ScramVerifier.Create(password));
            Assert.Contains("use an ASCII password", error.Message, StringComparison.Ordinal);
            return;
        }

        await Verifier_matches_what_postgres_15_stores_for_the_same_password_salt_and_iterations(password);
    }

    [Theory]
    [InlineData("Disable")]
    [InlineData("Prefer")]
    public async Task Npgsql_authenticates_with_the_right_password(string sslMode)
    {
        var verifier = ScramVerifier.Create("tok_right");
        await using var server = new ScramOnlyServer(user => user == "alice" ? verifier : null);
        await using var connection = ConnectionTo(server, "alice", "tok_right", sslMode);
        await connection.OpenAsync();
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
        Assert.Equal("15.8", connection.ServerVersion);
        Assert.Equal(["authenticated alice"], server.Outcomes);
    }

    [Fact]
    public async Task Npgsql_gets_28P01_for_a_wrong_password_and_for_an_unknown_user()
    {
        var verifier = ScramVerifier.Create("tok_right");
        await using var server = new ScramOnlyServer(user => user == "alice" ? verifier : null);
        foreach (var (user, password) in new[] { ("alice", "tok_wrong"), ("mallory", "tok_right") })
        {
            // GSS encryption off: with 'prefer', Npgsql retries a refused attempt once, so each would be counted twice.
            await using var connection = ConnectionTo(server, user, password, "Disable", GssEncryptionMode.Disable);
            var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
            Assert.Equal("28P01", error.SqlState);
            Assert.Equal($"password authentication failed for user \"{user}\"", error.MessageText);
        }

        Assert.Equal(["failed alice", "failed mallory"], server.Outcomes);
    }

    [Fact]
    public async Task Npgsql_authenticates_against_a_verifier_postgres_15_made()
    {
        var role = "ladle_scram_" + Guid.NewGuid().ToString("N")[..10];
        string stored;
        await using (var connection = new NpgsqlConnection(PostgresOracle.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"SET password_encryption = 'scram-sha-256'; CREATE ROLE {role} PASSWORD 'from postgres'; SELECT rolpassword FROM pg_authid WHERE rolname = '{role}'; DROP ROLE {role}", connection);
            stored = (string)(await command.ExecuteScalarAsync())!;
        }

        var verifier = ScramVerifier.Parse(stored);
        await using var server = new ScramOnlyServer(_ => verifier);
        await using var client = ConnectionTo(server, "bob", "from postgres", "Disable");
        await client.OpenAsync();
        Assert.Equal(["authenticated bob"], server.Outcomes);
    }

    /// <summary>A connection with type loading off: after ReadyForQuery Npgsql is open without sending a query, which this server cannot answer.</summary>
    private static NpgsqlConnection ConnectionTo(ScramOnlyServer server, string user, string password, string sslMode, GssEncryptionMode gss = GssEncryptionMode.Prefer)
    {
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = server.Port,
            Username = user,
            Password = password,
            Database = "ladle",
            Pooling = false,
            SslMode = Enum.Parse<SslMode>(sslMode),
            Timeout = 15,
            GssEncryptionMode = gss,
        }.ConnectionString;
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConfigureTypeLoading(options => options.EnableTypeLoading(false));
        return builder.Build().CreateConnection();
    }
}
