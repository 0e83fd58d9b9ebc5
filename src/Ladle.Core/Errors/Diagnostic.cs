namespace Ladle.Core.Errors;

/// <summary>A place in a project file, 1-based like editors show it.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}

/// <summary>One problem found while loading a project: where, what, and how to fix it.</summary>
public sealed record Diagnostic(SourceLocation Location, string Message, string? Hint = null)
{
    public override string ToString() =>
        Hint is null ? $"{Location}: error: {Message}" : $"{Location}: error: {Message} ({Hint})";
}

/// <summary>The project has one or more errors; all of them are listed, not just the first.</summary>
public sealed class ProjectValidationException(IReadOnlyList<Diagnostic> diagnostics)
    : LadleException(Format(diagnostics))
{
    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;
    public override string Kind => "invalid-project";
    public override ErrorCategory Category => ErrorCategory.QueryFailed;

    private static string Format(IReadOnlyList<Diagnostic> diagnostics) =>
        $"The project has {diagnostics.Count} error(s):{Environment.NewLine}" +
        string.Join(Environment.NewLine, diagnostics.Select(d => "  " + d));
}
