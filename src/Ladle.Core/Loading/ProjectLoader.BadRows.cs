using Ladle.Core.Errors;
using Ladle.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

public static partial class ProjectLoader
{
    /// <summary>
    /// <c>on_bad_rows: fail | quarantine | reject</c>, or for reject a mapping that tunes its bad_rows check:
    /// <c>{ action: reject, threshold: 1%, severity: warn }</c>.
    /// </summary>
    private static BadRowsPolicy ReadBadRows(YamlMap map, string dataset, SourceDefinition? source, bool hasColumns, DiagnosticBag diagnostics)
    {
        var node = map.Node("on_bad_rows");
        if (node is null || node is YamlScalarNode s && YamlMap.IsNull(s)) return BadRowsPolicy.Fail;
        BadRowsPolicy policy;
        SourceLocation actionAt;
        if (node is YamlMappingNode mapping)
        {
            var tuned = new YamlMap(mapping, map.Location.File, diagnostics, "on_bad_rows", "action", "threshold", "severity");
            var action = ReadBadRowsAction(tuned, "action", required: true, diagnostics) ?? OnBadRows.Fail;
            actionAt = tuned.KeyLocation("action");
            policy = new BadRowsPolicy { Action = action };
            if (tuned.String("threshold") is { } thresholdText)
            {
                if (Durations.TryParseThreshold(thresholdText, out var value, out var fraction)) policy = policy with { Threshold = new Threshold(value, fraction) };
                else diagnostics.Add(tuned.At(tuned.Node("threshold")!), $"threshold '{thresholdText}' is not a count or a percentage", "write e.g. 10 (rows) or 1% (of rows)");
            }
            if (tuned.String("severity") is { } severityText)
            {
                if (YamlMap.ParseEnum(severityText, out CheckSeverity severity) is { } hint)
                    diagnostics.Add(tuned.At(tuned.Node("severity")!), $"unknown severity '{severityText}'", hint);
                else policy = policy with { Severity = severity };
            }
            if (action != OnBadRows.Reject && (tuned.Node("threshold") ?? tuned.Node("severity")) is { } extra)
                diagnostics.Add(tuned.At(extra), $"'threshold' and 'severity' tune on_bad_rows: reject, not {Snake(action)}",
                    action == OnBadRows.Quarantine
                        ? "quarantine is reject with severity error and no tolerance; write 'action: reject' to tolerate some rows"
                        : "write 'action: reject', or remove them");
        }
        else
        {
            var action = ReadBadRowsAction(map, "on_bad_rows", required: false, diagnostics) ?? OnBadRows.Fail;
            actionAt = map.At(node);
            policy = new BadRowsPolicy { Action = action };
        }
        if (policy.Action == OnBadRows.Quarantine) policy = policy with { Severity = CheckSeverity.Error, Threshold = Threshold.None };
        if (policy.Action != OnBadRows.Fail && (source?.Kind != SourceKind.Files || !hasColumns))
            diagnostics.Add(actionAt, $"on_bad_rows: {Snake(policy.Action)} applies to a dataset over a files source with declared 'columns'",
                source?.Kind is { } kind && kind != SourceKind.Files
                    ? $"rows from {kind.ToString().ToLowerInvariant()} come typed by the database: remove 'on_bad_rows' (a row that does not convert fails the run)"
                    : "declare 'columns:' (the contract bad rows are judged by), or remove 'on_bad_rows'");
        return policy;
    }

    private static OnBadRows? ReadBadRowsAction(YamlMap map, string key, bool required, DiagnosticBag diagnostics)
    {
        if (map.String(key, required) is not { } text) return null;
        if (YamlMap.ParseEnum(text, out OnBadRows action) is not { } hint) return action;
        diagnostics.Add(map.At(map.Node(key)!), $"unknown on_bad_rows '{text}'", hint);
        return null;
    }
}
