using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;
using Ladle.Protocol.Postgres.Types;

namespace Ladle.Server.Postgres;

public sealed partial class PgSession
{
    /// <summary>
    /// A simple Query: each of its statements in turn, each answered with its rows and CommandComplete; an empty
    /// query gets EmptyQueryResponse; the first error ends the message (the rest is not run).
    /// </summary>
    private async Task SimpleQueryAsync(string sql)
    {
        // As in PostgreSQL, a simple query replaces the unnamed statement and portal.
        _statements.Remove("");
        if (_portals.Remove("", out var unnamed)) await unnamed.DisposeAsync();
        var statements = PgWireSql.Split(sql);
        if (statements.Count == 0)
        {
            EmptyQueryResponse.Write(_output);
            return;
        }

        foreach (var text in statements)
        {
            PgWirePortal? portal = null;
            try
            {
                var statement = PgWireStatement.Prepare(text, [], Settings);
                CheckNotFailed(statement);
                if (statement.Kind == PgStatementKind.Session)
                {
                    var result = RunCommand(statement);
                    WriteCommandResult(result, [], describe: true);
                    continue;
                }

                portal = new PgWirePortal("", statement, [], []);
                var run = portal;
                var outcome = await AsCurrentAsync(portal, () => run.ExecuteAsync(RunContext(), 0, describe: true));
                CommandComplete.Write(_output, CompletionTag(statement, outcome.Rows));
            }
            catch (Exception e) when (IsStatementError(e))
            {
                WriteError(e, portal);
                return;
            }
            finally
            {
                if (portal is not null) await portal.DisposeAsync();
            }
        }
    }

    /// <summary>True for an error that fails the statement but not the connection.</summary>
    private bool IsStatementError(Exception e) =>
        e is not IOException && !(e is OperationCanceledException && _connection.IsCancellationRequested) && e is not PgProtocolException { IsFatal: true };

    /// <summary>In a failed transaction block only its end is accepted (25P02), as in PostgreSQL.</summary>
    private void CheckNotFailed(PgWireStatement statement)
    {
        if (_status != TransactionStatus.Failed) return;
        if (statement.Command is "commit" or "end" or "rollback" or "abort") return;
        throw new PgWireException(PgErrors.InFailedTransaction, "current transaction is aborted, commands ignored until end of transaction block");
    }

    /// <summary>The CommandComplete tag of a query or COPY that sent <paramref name="rows"/> rows.</summary>
    private static string CompletionTag(PgWireStatement statement, long rows) => statement.Kind switch
    {
        PgStatementKind.Copy => $"COPY {rows}",
        _ => statement.Command switch
        {
            "explain" => "EXPLAIN",
            "show" => "SHOW",
            _ => $"SELECT {rows}",
        },
    };

    /// <summary>A session command's answer: its rows (SHOW), if any, then CommandComplete.</summary>
    private void WriteCommandResult(PgCommandResult result, IReadOnlyList<PgFormatCode> formats, bool describe)
    {
        if (result.Columns is { } columns)
        {
            if (describe) WriteTextDescription(columns, formats);
            using var row = new DataRowWriter();
            foreach (var values in result.Rows)
            {
                row.BeginRow(values.Length);
                foreach (var value in values)
                {
                    if (value is null)
                    {
                        row.WriteNull();
                    }
                    else
                    {
                        row.BeginValue();
                        TextCodec.Write(row, value);
                        row.EndValue();
                    }
                }

                row.EndRow(_output);
            }
        }

        CommandComplete.Write(_output, result.Tag);
    }

    /// <summary>A RowDescription of text columns (a session command's answer); text is the same bytes in either format.</summary>
    private void WriteTextDescription(IReadOnlyList<string> columns, IReadOnlyList<PgFormatCode> formats)
    {
        var chosen = PgWireDataRows.FormatsOf(formats, columns.Count);
        var fields = new FieldDescription[columns.Count];
        for (var i = 0; i < fields.Length; i++) fields[i] = PgTypes.Field(columns[i], PgTypeOid.Text, chosen[i]);
        RowDescription.Write(_output, fields);
    }
}
