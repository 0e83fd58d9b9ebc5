using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;
using Ladle.Protocol.Postgres.Frontend;
using Ladle.Protocol.Postgres.Types;

namespace Ladle.Server.Postgres;

public sealed partial class PgSession
{
    /// <summary>Parse: prepares a named or the unnamed statement.</summary>
    private void Parse(ParseMessage parse)
    {
        if (parse.StatementName.Length > 0 && _statements.ContainsKey(parse.StatementName))
            throw new PgWireException(PgErrors.DuplicatePreparedStatement, $"prepared statement \"{parse.StatementName}\" already exists");
        _statements[parse.StatementName] = PgWireStatement.Prepare(parse.Sql, parse.ParameterTypeOids, Settings);
        ParseComplete.Write(_output);
    }

    /// <summary>Bind: a portal from a statement, its parameters decoded by their types (inferred by the engine where the client left them open and sent binary).</summary>
    private async Task BindAsync(BindMessage bind)
    {
        var statement = StatementNamed(bind.StatementName);
        if (bind.PortalName.Length > 0 && _portals.ContainsKey(bind.PortalName))
            throw new PgWireException(PgErrors.DuplicateCursor, $"portal \"{bind.PortalName}\" already exists");
        if (_portals.Remove(bind.PortalName, out var replaced)) await replaced.DisposeAsync();
        var open = false;
        for (var i = 0; i < statement.ParameterTypes.Length && i < bind.Parameters.Count; i++)
            open |= statement.ParameterTypes[i] == 0 && !bind.Parameters[i].IsNull && bind.GetParameterFormat(i) == PgFormatCode.Binary;
        if (open && statement.Kind is PgStatementKind.Query or PgStatementKind.Copy) await DescribeStatementAsync(statement);
        var values = PgWireParameters.Decode(bind, statement.ParameterTypes);
        _portals[bind.PortalName] = new PgWirePortal(bind.PortalName, statement, values, bind.ResultFormats);
        BindComplete.Write(_output);
    }

    /// <summary>Describe: a statement's parameter types and columns, or a portal's columns in the formats it was bound with.</summary>
    private async Task DescribeAsync(DescribeMessage describe)
    {
        if (describe.Target == TargetKind.Statement)
        {
            var statement = StatementNamed(describe.Name);
            if (statement.Kind == PgStatementKind.Query) await DescribeStatementAsync(statement);
            var types = statement.ParameterTypes.Select(t => t == 0 ? (uint)PgTypeOid.Text : t).ToArray();
            ParameterDescription.Write(_output, types);
            if (statement.Kind == PgStatementKind.Query && statement.Columns is { Count: > 0 } columns)
            {
                var wire = columns.Select(PgWireColumn.Of).ToArray();
                PgWireDataRows.WriteDescription(_output, wire, new PgFormatCode[wire.Length]);
            }
            else if (statement.Kind == PgStatementKind.Session && CommandColumns(statement) is { } names)
            {
                WriteTextDescription(names, []);
            }
            else
            {
                NoData.Write(_output);
            }

            return;
        }

        var portal = PortalNamed(describe.Name);
        switch (portal.Statement.Kind)
        {
            case PgStatementKind.Query:
                try
                {
                    var columns = await AsCurrentAsync(portal, () => portal.DescribeAsync(RunContext()));
                    PgWireDataRows.WriteDescription(_output, columns, PgWireDataRows.FormatsOf(portal.ResultFormats, columns.Length));
                }
                catch (Exception e) when (IsStatementError(e))
                {
                    WriteError(e, portal);
                    _skipToSync = true;
                }

                break;
            case PgStatementKind.Session when CommandColumns(portal.Statement) is { } names:
                WriteTextDescription(names, portal.ResultFormats);
                break;
            default:
                NoData.Write(_output);
                break;
        }
    }

    /// <summary>Execute: runs a portal up to its row limit (PortalSuspended) or to its end (CommandComplete).</summary>
    private async Task ExecuteAsync(ExecuteMessage execute)
    {
        var portal = PortalNamed(execute.PortalName);
        var statement = portal.Statement;
        CheckNotFailed(statement);
        switch (statement.Kind)
        {
            case PgStatementKind.Empty:
                EmptyQueryResponse.Write(_output);
                return;
            case PgStatementKind.Session:
                WriteCommandResult(RunCommand(statement, portal.Parameters), portal.ResultFormats, describe: false);
                return;
        }

        try
        {
            var outcome = await AsCurrentAsync(portal, () => portal.ExecuteAsync(RunContext(), execute.MaxRows, describe: false));
            if (outcome.Suspended) PortalSuspended.Write(_output);
            else CommandComplete.Write(_output, CompletionTag(statement, outcome.Rows));
        }
        catch (Exception e) when (IsStatementError(e))
        {
            WriteError(e, portal);
            _skipToSync = true;
        }
    }

    /// <summary>Close: drops a statement or a portal; closing one that does not exist is not an error.</summary>
    private async Task CloseAsync(CloseMessage close)
    {
        if (close.Target == TargetKind.Statement)
        {
            _statements.Remove(close.Name);
        }
        else if (_portals.Remove(close.Name, out var portal))
        {
            await portal.DisposeAsync();
        }

        CloseComplete.Write(_output);
    }

    /// <summary>
    /// Asks the engine what the statement answers (its columns) and the types of the parameters the client left open:
    /// each becomes the engine's inferred type, or text where the engine cannot tell.
    /// </summary>
    private async Task DescribeStatementAsync(PgWireStatement statement)
    {
        if (statement.Columns is not null) return;
        var description = await _pipeline.DescribeSqlAsync(Info.Principal, statement.Query, _running);
        for (var i = 0; i < statement.ParameterTypes.Length; i++)
        {
            if (statement.ParameterTypes[i] != 0 || i >= description.ParameterTypes.Count) continue;
            if (description.ParameterTypes[i] is { } engine && PgWireColumn.FromEngineName(engine) is { } oid)
                statement.ParameterTypes[i] = (uint)oid;
        }

        statement.ParametersInferred = true;
        statement.Columns = statement.Kind == PgStatementKind.Copy ? [] : description.Columns;
    }

    private PgWireStatement StatementNamed(string name) =>
        _statements.TryGetValue(name, out var statement) ? statement
            : throw new PgWireException(PgErrors.InvalidSqlStatementName, name.Length == 0 ? "unnamed prepared statement does not exist" : $"prepared statement \"{name}\" does not exist");

    private PgWirePortal PortalNamed(string name) =>
        _portals.TryGetValue(name, out var portal) ? portal
            : throw new PgWireException(PgErrors.InvalidCursorName, name.Length == 0 ? "unnamed portal does not exist" : $"portal \"{name}\" does not exist");
}
