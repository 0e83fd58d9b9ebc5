namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// Every real client against Ladle's PostgreSQL listener: `ladle serve --pg 127.0.0.1:PORT --dev` over a copy of
/// tests/clients/project, held to the same contract PostgreSQL 15 meets in <see cref="PostgresRealClientTests"/>.
/// </summary>
/// <remarks>
/// TO ENABLE AT MERGE: the listener (`--pg`), the query protocol and the catalog land on other branches. Once they
/// are merged, delete the Skip arguments (the constant <see cref="Pending"/>) and check the two assumptions in
/// <see cref="LadleClientsFixture"/>: the --dev trust user and the database name Ladle answers to.
/// </remarks>
public sealed class LadleRealClientTests(LadleClientsFixture ladle) : RealClientContract, IClassFixture<LadleClientsFixture>
{
    private const string Pending = "Ladle's PostgreSQL listener (ladle serve --pg) is not merged yet: the lead enables these at merge";

    protected override ClientEndpoint Endpoint => ladle.Endpoint;

    protected override Task PrepareAsync() => ladle.StartAsync();

    [Fact(Skip = Pending)]
    public Task Psql_meta_commands_query_and_copy_show_the_project() => PsqlAsync();

    [Fact(Skip = Pending)]
    public Task Npgsql_reads_every_type_prepares_describes_and_cancels() => NpgsqlAsync();

    [Fact(Skip = Pending)]
    public Task Psycopg2_and_pandas_through_SQLAlchemy_read_the_rows() => PythonAsync();

    [Fact(Skip = Pending)]
    public Task Pgjdbc_lists_tables_and_columns_and_reads_the_rows() => JavaAsync();

    [Fact(Skip = Pending)]
    public Task Node_postgres_reads_the_rows_with_parameters() => NodeAsync();

    [Fact(Skip = Pending)]
    public async Task Ladle_answers_every_captured_catalog_query_with_PostgreSQL_15s_shape()
    {
        await ladle.StartAsync();
        await CapturedQueryCorpus.AssertSameShapesAsync(ladle.Endpoint.ConnectionString);
    }
}
