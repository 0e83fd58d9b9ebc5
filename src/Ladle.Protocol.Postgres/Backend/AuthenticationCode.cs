namespace Ladle.Protocol.Postgres.Backend;

/// <summary>The Int32 that says which Authentication ('R') message this is.</summary>
public enum AuthenticationCode
{
    Ok = 0,
    CleartextPassword = 3,
    Sasl = 10,
    SaslContinue = 11,
    SaslFinal = 12,
}
