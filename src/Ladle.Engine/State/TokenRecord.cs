namespace Ladle.Engine.State;

/// <summary>An API token as stored: a public id and a salted hash of its secret, never the secret.</summary>
public sealed record TokenRecord(
    string Id, string Principal, string Salt, string Hash, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string? Description);
