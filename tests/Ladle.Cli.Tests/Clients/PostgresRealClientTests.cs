namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// Every real client against PostgreSQL 15 holding tests/clients/project's rows: proves the harnesses and the
/// contract on the server Ladle's listener imitates, so a difference seen through Ladle is Ladle's.
/// </summary>
public sealed class PostgresRealClientTests(PostgresClientsFixture postgres) : RealClientContract, IClassFixture<PostgresClientsFixture>
{
    protected override ClientEndpoint Endpoint => postgres.Endpoint;

    [ClientFact(ClientHarness.Psql)]
    public Task Psql_meta_commands_query_and_copy_show_the_project() => PsqlAsync();

    [ClientFact(ClientHarness.Npgsql)]
    public Task Npgsql_reads_every_type_prepares_describes_and_cancels() => NpgsqlAsync();

    [ClientFact(ClientHarness.Python)]
    public Task Psycopg2_and_pandas_through_SQLAlchemy_read_the_rows() => PythonAsync();

    [ClientFact(ClientHarness.Java)]
    public Task Pgjdbc_lists_tables_and_columns_and_reads_the_rows() => JavaAsync();

    [ClientFact(ClientHarness.Node)]
    public Task Node_postgres_reads_the_rows_with_parameters() => NodeAsync();
}
