namespace Ladle.Engine.State;

/// <summary>
/// A web UI sign-in session as stored: the SHA-256 of its secret (the cookie holds the secret; a copy of this table
/// signs no one in), the API token and principal it stands for, when it was opened, when it was last used (for the
/// idle expiry) and when it ends whatever its use (the absolute expiry).
/// </summary>
public sealed record WebSessionRecord(string Hash, string TokenId, string Principal, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt);
