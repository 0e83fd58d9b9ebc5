namespace Ladle.Cli.Tests.Clients;

/// <summary>The captured-query corpus replayed on PostgreSQL 15 itself: the check that the corpus and its replay are sound.</summary>
public sealed class CapturedQueryCorpusTests(PostgresClientsFixture postgres) : IClassFixture<PostgresClientsFixture>
{
    [Fact]
    public Task PostgreSQL_answers_every_captured_query_with_the_shape_it_was_captured_with() =>
        CapturedQueryCorpus.AssertSameShapesAsync(postgres.Endpoint.ConnectionString);

    [Fact]
    public void Every_client_contributed_catalog_queries()
    {
        foreach (var client in CapturedQueryCorpus.Clients)
            Assert.Contains(CapturedQueryCorpus.Load(client), q => q.Text.Contains("pg_", StringComparison.Ordinal) || q.Text.Contains("version()", StringComparison.Ordinal));
    }
}
