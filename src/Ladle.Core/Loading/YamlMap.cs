using System.Globalization;
using Ladle.Core.Errors;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

/// <summary>
/// Reads one YAML mapping against a fixed set of keys, recording a diagnostic with file:line:column
/// for every missing, mistyped or unknown key instead of stopping at the first.
/// </summary>
internal sealed class YamlMap
{
    private readonly YamlMappingNode _node;
    private readonly string _file;
    private readonly DiagnosticBag _diagnostics;
    private readonly string[] _allowed;
    private readonly string _what;

    public YamlMap(YamlMappingNode node, string file, DiagnosticBag diagnostics, string what, params string[] allowed)
    {
        _node = node;
        _file = file;
        _diagnostics = diagnostics;
        _allowed = allowed;
        _what = what;
        foreach (var (key, _) in node.Children)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name is null || !allowed.Contains(name, StringComparer.Ordinal))
            {
                _diagnostics.Add(At(key), $"unknown key '{name}' in {what}", Suggest.Hint(name ?? "", allowed));
            }
        }
    }

    public SourceLocation Location => At(_node);

    public SourceLocation At(YamlNode node) => At(_file, node);

    public static SourceLocation At(string file, YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

    public YamlNode? Node(string key) =>
        _node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public SourceLocation KeyLocation(string key)
    {
        foreach (var (k, _) in _node.Children)
            if (k is YamlScalarNode { Value: var v } && v == key) return At(k);
        return Location;
    }

    public string? String(string key, bool required = false)
    {
        var node = Node(key);
        if (node is null)
        {
            if (required) _diagnostics.Add(Location, $"{_what} has no '{key}'", $"add '{key}: …'");
            return null;
        }
        if (node is YamlScalarNode scalar)
        {
            if (string.IsNullOrWhiteSpace(scalar.Value) || IsNull(scalar))
            {
                if (required) _diagnostics.Add(At(node), $"'{key}' in {_what} is empty", $"give '{key}' a value");
                return null;
            }
            return scalar.Value;
        }
        _diagnostics.Add(At(node), $"'{key}' in {_what} must be a single value, not a {Describe(node)}");
        return null;
    }

    public bool? Bool(string key)
    {
        var text = String(key);
        if (text is null) return null;
        switch (text.ToLowerInvariant())
        {
            case "true" or "yes" or "on": return true;
            case "false" or "no" or "off": return false;
            default:
                _diagnostics.Add(At(Node(key)!), $"'{key}' must be true or false, not '{text}'");
                return null;
        }
    }

    public int? Int(string key, int min, int max)
    {
        var text = String(key);
        if (text is null) return null;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        _diagnostics.Add(At(Node(key)!), $"'{key}' must be a whole number from {min} to {max}, not '{text}'");
        return null;
    }

    /// <summary>A list of strings written either as a sequence or as one scalar.</summary>
    public IReadOnlyList<(string Value, SourceLocation At)> StringList(string key)
    {
        var node = Node(key);
        switch (node)
        {
            case null: return [];
            case YamlScalarNode s when IsNull(s) || string.IsNullOrWhiteSpace(s.Value): return [];
            case YamlScalarNode s: return [(s.Value!, At(s))];
            case YamlSequenceNode seq:
                var list = new List<(string, SourceLocation)>();
                foreach (var item in seq)
                {
                    if (item is YamlScalarNode { Value: { Length: > 0 } v }) list.Add((v, At(item)));
                    else _diagnostics.Add(At(item), $"every item of '{key}' must be a single value");
                }
                return list;
            default:
                _diagnostics.Add(At(node), $"'{key}' in {_what} must be a list, not a {Describe(node)}");
                return [];
        }
    }

    public YamlMappingNode? Map(string key)
    {
        var node = Node(key);
        if (node is null || node is YamlScalarNode s && IsNull(s)) return null;
        if (node is YamlMappingNode map) return map;
        _diagnostics.Add(At(node), $"'{key}' in {_what} must be a mapping of keys to values, not a {Describe(node)}");
        return null;
    }

    public YamlSequenceNode? Sequence(string key)
    {
        var node = Node(key);
        if (node is null || node is YamlScalarNode s && IsNull(s)) return null;
        if (node is YamlSequenceNode seq) return seq;
        _diagnostics.Add(At(node), $"'{key}' in {_what} must be a list, not a {Describe(node)}");
        return null;
    }

    public static bool IsNull(YamlScalarNode s) =>
        s.Style == YamlDotNet.Core.ScalarStyle.Plain && (s.Value is null or "" or "~" or "null");

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "value",
    };

    public static string? ParseEnum<T>(string text, out T value) where T : struct, Enum
    {
        var normalized = text.Replace("_", "", StringComparison.Ordinal);
        if (Enum.TryParse(normalized, ignoreCase: true, out value) && !int.TryParse(text, out _)) return null;
        return "expected one of: " + string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));
    }
}
