namespace Ladle.Engine.State;

/// <summary>The right of <see cref="Owner"/> to build <see cref="Dataset"/> until <see cref="ExpiresAt"/> (see <see cref="IRunLock"/>).</summary>
public sealed record RunLease(string Dataset, string Owner, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);
