namespace Ladle.Server.Contracts;

/// <summary>
/// The ProblemDetails of a refused or unsuccessful API call as a client reads it: what every Ladle error answers,
/// plus the run when a run ended without publishing (<c>POST …/refresh?wait=true</c>).
/// </summary>
public sealed record ApiProblem(string? Type, string? Title, int? Status, string? Detail, string? Instance, string? Category, RunReport? Run);
