using Ladle.Core.Errors;

namespace Ladle.Core.Loading;

/// <summary>Collects every problem found while loading so that all are reported at once.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public IReadOnlyList<Diagnostic> Items => _items;
    public bool HasErrors => _items.Count > 0;

    public void Add(SourceLocation at, string message, string? hint = null) => _items.Add(new Diagnostic(at, message, hint));

    public void ThrowIfAny()
    {
        if (_items.Count == 0) return;
        throw new ProjectValidationException(_items
            .OrderBy(d => d.Location.File, StringComparer.Ordinal)
            .ThenBy(d => d.Location.Line).ThenBy(d => d.Location.Column).ToList());
    }
}
