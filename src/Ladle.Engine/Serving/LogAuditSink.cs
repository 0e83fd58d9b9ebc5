using Ladle.Engine.Internal;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Serving;

/// <summary>Writes each audit entry as one structured log event (the persistent audit store builds on this seam).</summary>
public sealed class LogAuditSink(ILogger<LogAuditSink> logger) : IAuditSink
{
    public void Record(AuditEntry entry) =>
        Log.Audit(logger, entry.Interface, entry.Principal, entry.Dataset, entry.Action, entry.Filters, entry.Rows, entry.Bytes,
            entry.Status, (long)entry.Duration.TotalMilliseconds);
}
