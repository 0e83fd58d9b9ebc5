namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>Bind ('B'): a portal from a prepared statement, with parameter values and the result formats wanted.</summary>
public sealed class BindMessage(
    string portalName,
    string statementName,
    PgFormatCode[] parameterFormats,
    BindParameter[] parameters,
    PgFormatCode[] resultFormats) : FrontendMessage
{
    public override FrontendMessageType Type => FrontendMessageType.Bind;

    /// <summary>The destination portal; empty for the unnamed portal.</summary>
    public string PortalName { get; } = portalName;

    /// <summary>The source prepared statement; empty for the unnamed statement.</summary>
    public string StatementName { get; } = statementName;

    /// <summary>The format codes as sent: none (all text), one (for all) or one per parameter.</summary>
    public IReadOnlyList<PgFormatCode> ParameterFormats { get; } = parameterFormats;

    /// <summary>The parameter values in order.</summary>
    public IReadOnlyList<BindParameter> Parameters { get; } = parameters;

    /// <summary>The result format codes as sent: none (all text), one (for all) or one per result column.</summary>
    public IReadOnlyList<PgFormatCode> ResultFormats { get; } = resultFormats;

    /// <summary>The format of parameter <paramref name="index"/> after the protocol's none/one/each rule.</summary>
    public PgFormatCode GetParameterFormat(int index) => Pick(ParameterFormats, index);

    /// <summary>
    /// The format of result column <paramref name="index"/> after the none/one/each rule. The parser cannot check a
    /// per-column list against the column count (only the statement knows it): the caller checks
    /// <see cref="ResultFormats"/>'s count is 0, 1 or the column count.
    /// </summary>
    public PgFormatCode GetResultFormat(int index) => Pick(ResultFormats, index);

    private static PgFormatCode Pick(IReadOnlyList<PgFormatCode> formats, int index) => formats.Count switch
    {
        0 => PgFormatCode.Text,
        1 => formats[0],
        _ => formats[index],
    };
}
