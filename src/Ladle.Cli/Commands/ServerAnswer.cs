using System.Net;
using Ladle.Server.Contracts;

namespace Ladle.Cli.Commands;

/// <summary>A running server's answer: its status, and either the endpoint's contract (success) or its problem.</summary>
internal readonly record struct ServerAnswer<T>(HttpStatusCode Status, T? Body, ApiProblem? Problem) where T : class;
