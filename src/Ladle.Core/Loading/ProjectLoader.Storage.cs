using Ladle.Core.Model;

namespace Ladle.Core.Loading;

/// <summary>Reads <c>storage:</c> in ladle.yaml: where published versions are shared between nodes.</summary>
public static partial class ProjectLoader
{
    private static readonly string[] StorageKeys = ["kind", "path"];

    private static VersionStorageSettings ReadStorage(YamlMap project, string root, StateSettings state, DiagnosticBag diagnostics)
    {
        if (project.Map("storage") is not { } node) return new VersionStorageSettings();
        var map = new YamlMap(node, ProjectFile, diagnostics, "storage", StorageKeys);
        var settings = new VersionStorageSettings { Location = map.Location };
        var kindText = map.String("kind", required: true);
        if (kindText is null) return settings;
        if (YamlMap.ParseEnum<VersionStorageKind>(kindText, out var kind) is { } hint)
        {
            diagnostics.Add(map.At(map.Node("kind")!), $"unknown storage kind '{kindText}'", hint);
            return settings;
        }
        settings = settings with { Kind = kind };
        if (kind == VersionStorageKind.Local)
        {
            if (map.Node("path") is { } stray) diagnostics.Add(map.At(stray), "'path' applies only to 'kind: folder'", "remove it, or set 'kind: folder'");
            return settings;
        }
        if (map.String("path", required: true) is { } path) settings = settings with { Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, path)) };
        // The state says which versions are published: without a shared state, another node's files would be
        // served on no one's word.
        if (state.Kind != StateKind.Postgres)
            diagnostics.Add(map.Location, "'storage: { kind: folder }' shares versions between nodes, which needs their state shared too",
                "add 'state: { kind: postgres, connection_env: … }', or remove 'storage'");
        return settings;
    }
}
