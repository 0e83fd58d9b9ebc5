using System.Text.RegularExpressions;
using Ladle.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

/// <summary>Reads <c>state:</c> in ladle.yaml: a path (SQLite, as before) or a mapping with a kind.</summary>
public static partial class ProjectLoader
{
    private static readonly string[] StateKeys = ["kind", "path", "connection_env", "schema"];

    private static (StateSettings State, string StatePath) ReadState(YamlMap project, string root, StateSettings state, string statePath, DiagnosticBag diagnostics)
    {
        switch (project.Node("state"))
        {
            case null:
                return (state, statePath);
            case YamlScalarNode:
                return project.String("state") is { } path ? (state, Path.GetFullPath(Path.Combine(root, path))) : (state, statePath);
        }
        if (project.Map("state") is not { } node) return (state, statePath);
        var map = new YamlMap(node, ProjectFile, diagnostics, "state", StateKeys);
        if (map.String("kind") is { } kindText)
        {
            if (YamlMap.ParseEnum<StateKind>(kindText, out var kind) is { } hint)
                diagnostics.Add(map.At(map.Node("kind")!), $"unknown state kind '{kindText}'", hint);
            else
                state = state with { Kind = kind };
        }
        state = state with { Location = map.Location };
        if (state.Kind == StateKind.Postgres) return (ReadPostgresState(map, state, diagnostics), statePath);
        foreach (var key in new[] { "connection_env", "schema" })
            if (map.Node(key) is { } stray) diagnostics.Add(map.At(stray), $"'{key}' applies only to 'kind: postgres'", "remove it, or set 'kind: postgres'");
        if (map.String("path") is { } statePathText) statePath = Path.GetFullPath(Path.Combine(root, statePathText));
        return (state, statePath);
    }

    /// <summary><c>kind: postgres</c>: the variable holding the connection string and the schema, both checked here.</summary>
    private static StateSettings ReadPostgresState(YamlMap map, StateSettings state, DiagnosticBag diagnostics)
    {
        string? variable = null;
        if (map.Node("connection_env") is null)
            diagnostics.Add(map.Location, "a postgres state needs 'connection_env': the environment variable holding its connection string",
                "e.g. 'connection_env: LADLE_STATE_PG' with LADLE_STATE_PG='Host=db;Database=ladle;Username=ladle;Password=…'");
        else if ((variable = map.String("connection_env", required: true)) is not null && !Regex.IsMatch(variable, "^[A-Za-z_][A-Za-z0-9_]*$"))
        {
            diagnostics.Add(map.At(map.Node("connection_env")!), "'connection_env' must name an environment variable, not hold a connection string",
                "write the variable's name (e.g. LADLE_STATE_PG) and export the connection string in it");
            variable = null;
        }
        var schema = map.String("schema");
        if (schema is not null && !Regex.IsMatch(schema, "^[a-z_][a-z0-9_]{0,62}$"))
        {
            diagnostics.Add(map.At(map.Node("schema")!), $"state schema '{schema}' is not a plain identifier",
                "use lower-case letters, digits and '_', starting with a letter or '_', at most 63 characters");
            schema = null;
        }
        if (map.Node("path") is { } path)
            diagnostics.Add(map.At(path), "'path' does not apply to a postgres state", "remove it: the state lives in the database 'connection_env' names");
        return state with { ConnectionEnv = variable, Schema = schema };
    }
}
