using System.Data.Common;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Sql;
using Npgsql;

namespace Ladle.Engine.Sources;

/// <summary>PostgreSQL through Npgsql; the connection string comes from the environment variable the source names.</summary>
public sealed class PostgresConnector : AdoConnector
{
    private readonly Lazy<NpgsqlDataSource> _dataSource;

    public PostgresConnector(SourceDefinition definition) : base(definition) =>
        _dataSource = new Lazy<NpgsqlDataSource>(CreateDataSource);

    public override SqlDialect Dialect => SqlDialect.Postgres;
    protected override bool SyncReads => false;

    private NpgsqlDataSource CreateDataSource()
    {
        var variable = Definition.ConnectionEnv!;
        var connectionString = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new SourceUnavailableException(Definition.Name,
                $"source '{Definition.Name}' (postgres) has no connection string: the environment variable {variable} is not set; export it before starting Ladle");
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            // Timestamps compare and convert in UTC whatever the server's zone.
            Timezone = "UTC",
            ApplicationName = "ladle",
        };
        return NpgsqlDataSource.Create(builder);
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        try { return await _dataSource.Value.OpenConnectionAsync(cancellationToken); }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            throw new SourceUnavailableException(Definition.Name, $"source '{Definition.Name}' (postgres) is unreachable: {EngineErrors.Describe(e)}", e);
        }
    }

    protected override DbParameter CreateParameter(string name, object value) => new NpgsqlParameter { Value = value };

    protected override LadleType TypeOf(DbDataReader reader, int ordinal) => reader.GetDataTypeName(ordinal) switch
    {
        "date" => LadleType.Date,
        "timestamp without time zone" or "timestamp with time zone" => LadleType.Timestamp,
        "numeric" => LadleType.Decimal,
        _ => base.TypeOf(reader, ordinal),
    };

    public override async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated) await _dataSource.Value.DisposeAsync();
        await base.DisposeAsync();
    }
}
