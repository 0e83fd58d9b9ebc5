namespace Ladle.Engine.Tests.SqlGateway;

/// <summary>The catalog queries real clients sent to PostgreSQL 15 (Captured/*.sql), one per <c>-- client name</c> header.</summary>
internal static class CapturedCorpus
{
    public static IReadOnlyList<(string Name, string Sql)> Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "SqlGateway", "Captured", file);
        var queries = new List<(string, string)>();
        string? name = null;
        var body = new System.Text.StringBuilder();
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("-- psql ", StringComparison.Ordinal) || line.StartsWith("-- npgsql ", StringComparison.Ordinal))
            {
                Flush();
                name = line[3..];
                continue;
            }
            if (name is not null) body.AppendLine(line);
        }
        Flush();
        return queries;

        void Flush()
        {
            if (name is not null) queries.Add((name, body.ToString().Trim().TrimEnd(';')));
            body.Clear();
        }
    }
}
