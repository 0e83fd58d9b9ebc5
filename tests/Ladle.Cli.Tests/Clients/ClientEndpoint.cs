using Npgsql;

namespace Ladle.Cli.Tests.Clients;

/// <summary>Where a client harness connects: the libpq environment variables every harness reads.</summary>
public sealed record ClientEndpoint(string Host, int Port, string User, string? Password, string SslMode, string Database)
{
    /// <summary>PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE, PGDATABASE for a harness process.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["PGHOST"] = Host,
        ["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["PGUSER"] = User,
        ["PGPASSWORD"] = Password,
        ["PGSSLMODE"] = SslMode,
        ["PGDATABASE"] = Database,
    };

    /// <summary>The same endpoint as an Npgsql connection string (for the corpus checks).</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = Host, Port = Port, Username = User, Password = Password, Database = Database, Pooling = false,
        SslMode = SslMode == "require" ? Npgsql.SslMode.Require : SslMode == "disable" ? Npgsql.SslMode.Disable : Npgsql.SslMode.Prefer,
    }.ConnectionString;

    /// <summary>The test PostgreSQL (LADLE_TEST_PG, started by ./test.sh) with another database.</summary>
    public static ClientEndpoint TestPostgres(string database)
    {
        var pg = new NpgsqlConnectionStringBuilder(System.Environment.GetEnvironmentVariable("LADLE_TEST_PG")
            ?? throw new InvalidOperationException("LADLE_TEST_PG is not set: run the tests through ./test.sh, which starts PostgreSQL on loopback"));
        return new ClientEndpoint(pg.Host ?? "127.0.0.1", pg.Port, pg.Username ?? "postgres", pg.Password, "disable", database);
    }
}
