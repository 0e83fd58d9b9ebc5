namespace Ladle.Server.Contracts;

/// <summary>A run was requested (or joined one already queued or building): the 202 of <c>POST …/refresh</c>.</summary>
public sealed record RefreshAccepted(string Dataset, string Trigger, bool Coalesced, DateTimeOffset RequestedAt);
