using System.IO.Pipelines;

namespace Ladle.Server.Postgres;

public sealed partial class PgSession
{
    // The query protocol is built on this seam; until then a session answers nothing.
    public partial Task RunAsync(PipeReader input, PipeWriter output, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the PostgreSQL query protocol is not built yet");

    public partial void CancelCurrent()
    {
    }
}
