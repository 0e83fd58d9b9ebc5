using System.Data.Common;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Sql;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.Sources;

/// <summary>A SQLite database file, opened read-only; queries run inside SQLite.</summary>
public sealed class SqliteConnector(SourceDefinition definition) : AdoConnector(definition)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = definition.Path,
        Mode = SqliteOpenMode.ReadOnly,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    public override SqlDialect Dialect => SqlDialect.Sqlite;
    protected override bool SyncReads => true;
    protected override bool DynamicTypes => true;

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Definition.Path))
            throw new SourceUnavailableException(Definition.Name, $"source '{Definition.Name}' (sqlite): the file {Definition.Path} does not exist");
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Masks and regex checks push down into SQLite like everything else, through these (see SqlDialect).
        connection.CreateFunction<string?, string?>(SqlDialect.SqliteSha256Hex, Sha256Hex, isDeterministic: true);
        connection.CreateFunction<string?, string?, bool?>(SqlDialect.SqliteRegexFullMatch, FullMatch, isDeterministic: true);
        return connection;
    }

    private static string? Sha256Hex(string? text) =>
        text is null ? null : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    private static bool? FullMatch(string? text, string? pattern) =>
        text is null || pattern is null ? null
        : System.Text.RegularExpressions.Regex.IsMatch(text, $"^(?:{pattern})$", System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    protected override DbParameter CreateParameter(string name, object value) => new SqliteParameter(name, value switch
    {
        // SQLite keeps dates as ISO text; bind them the way they are usually stored so comparisons hold.
        DateOnly d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('.'),
        bool b => b ? 1L : 0L,
        _ => value,
    });

    /// <summary>SQLite types by the declared type's affinity, plus the date names people declare.</summary>
    protected override LadleType TypeOf(DbDataReader reader, int ordinal)
    {
        var declared = reader.GetDataTypeName(ordinal).ToUpperInvariant();
        if (declared.Contains("BOOL", StringComparison.Ordinal)) return LadleType.Boolean;
        if (declared.Contains("INT", StringComparison.Ordinal)) return LadleType.Integer;
        if (declared.Contains("CHAR", StringComparison.Ordinal) || declared.Contains("CLOB", StringComparison.Ordinal) || declared.Contains("TEXT", StringComparison.Ordinal)) return LadleType.String;
        if (declared.Contains("REAL", StringComparison.Ordinal) || declared.Contains("FLOA", StringComparison.Ordinal) || declared.Contains("DOUB", StringComparison.Ordinal)) return LadleType.Double;
        if (declared.Contains("DATETIME", StringComparison.Ordinal) || declared.Contains("TIMESTAMP", StringComparison.Ordinal)) return LadleType.Timestamp;
        if (declared.Contains("DATE", StringComparison.Ordinal)) return LadleType.Date;
        if (declared.Contains("DEC", StringComparison.Ordinal) || declared.Contains("NUM", StringComparison.Ordinal)) return LadleType.Decimal;
        return LadleType.String;
    }
}
