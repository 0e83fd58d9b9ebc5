namespace Ladle.Engine.Scheduling;

/// <summary>The run that answers a request, and whether the request joined a run that was already queued or building.</summary>
public readonly record struct QueuedRun(DatasetRun Run, bool Coalesced);
