using Ladle.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

/// <summary>Reads <c>state:</c> in ladle.yaml: a path (SQLite, as before) or a mapping with a kind.</summary>
public static partial class ProjectLoader
{
    private static readonly string[] StateKeys = ["kind", "path"];

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
        if (map.String("path") is { } statePathText) statePath = Path.GetFullPath(Path.Combine(root, statePathText));
        return (state, statePath);
    }
}
