namespace Ladle.Engine.State;

/// <summary>
/// An API token as stored: a public id and a salted hash of its secret, never the secret; and the SCRAM-SHA-256
/// verifier (PostgreSQL's pg_authid form) the wire protocol checks it with, null for tokens made before it existed.
/// </summary>
public sealed record TokenRecord(
    string Id, string Principal, string Salt, string Hash, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string? Description, string? ScramVerifier = null);
