namespace Ladle.Protocol.Postgres;

/// <summary>The SQLSTATE codes the codec and the SCRAM exchange raise (PostgreSQL's errcodes.txt).</summary>
public static class PgSqlState
{
    public const string ProtocolViolation = "08P01";
    public const string ProgramLimitExceeded = "54000";
    public const string FeatureNotSupported = "0A000";
    public const string CharacterNotInRepertoire = "22021";
    public const string InvalidTextRepresentation = "22P02";
    public const string InvalidBinaryRepresentation = "22P03";
    public const string NumericValueOutOfRange = "22003";
    public const string InvalidDatetimeFormat = "22007";
    public const string DatetimeFieldOverflow = "22008";
    public const string InvalidParameterValue = "22023";
    public const string InvalidAuthorizationSpecification = "28000";
    public const string InvalidPassword = "28P01";
}
