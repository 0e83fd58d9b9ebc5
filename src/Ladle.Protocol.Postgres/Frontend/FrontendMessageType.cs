namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>The type byte of each typed front-end (client → server) message.</summary>
public enum FrontendMessageType : byte
{
    Bind = (byte)'B',
    Close = (byte)'C',
    CopyData = (byte)'d',
    CopyDone = (byte)'c',
    CopyFail = (byte)'f',
    Describe = (byte)'D',
    Execute = (byte)'E',
    Flush = (byte)'H',
    Parse = (byte)'P',
    /// <summary>PasswordMessage, SASLInitialResponse or SASLResponse: which one depends on the authentication step.</summary>
    Password = (byte)'p',
    Query = (byte)'Q',
    Sync = (byte)'S',
    Terminate = (byte)'X',
}
