using System.Text;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;

namespace Ladle.Server.Postgres;

/// <summary>A session command's answer: its tag, and for SHOW its text columns and rows.</summary>
internal sealed record PgCommandResult(string Tag, IReadOnlyList<string>? Columns = null, IReadOnlyList<string?[]>? RowsOrNull = null)
{
    public IReadOnlyList<string?[]> Rows => RowsOrNull ?? [];
}

public sealed partial class PgSession
{
    /// <summary>
    /// The commands a session answers itself, without the engine: transaction control (every transaction is
    /// read-only; the status reaches ReadyForQuery), SET/RESET/SHOW of run-time parameters, DISCARD, DEALLOCATE,
    /// savepoints. Parameter changes clients track are reported with ParameterStatus.
    /// </summary>
    private PgCommandResult RunCommand(PgWireStatement statement, IReadOnlyList<object?>? parameters = null)
    {
        var tokens = statement.Tokens;
        switch (statement.Command)
        {
            case "begin":
            case "start":
                if (_status != TransactionStatus.Idle)
                    Warn(PgErrors.ActiveSqlTransaction, "there is already a transaction in progress");
                else
                    _status = TransactionStatus.InTransaction;
                return new(statement.Command == "start" ? "START TRANSACTION" : "BEGIN");
            case "commit":
            case "end":
                if (_status == TransactionStatus.Idle) Warn(PgErrors.NoActiveSqlTransaction, "there is no transaction in progress");
                var failed = _status == TransactionStatus.Failed;
                EndTransaction();
                return new(failed ? "ROLLBACK" : "COMMIT");
            case "rollback":
            case "abort":
                if (tokens.Count > 1 && tokens[1].IsWord("to"))
                {
                    // ROLLBACK TO SAVEPOINT: the block is usable again.
                    RequireBlock("ROLLBACK TO SAVEPOINT");
                    _status = TransactionStatus.InTransaction;
                    return new("ROLLBACK");
                }

                if (_status == TransactionStatus.Idle) Warn(PgErrors.NoActiveSqlTransaction, "there is no transaction in progress");
                EndTransaction();
                return new("ROLLBACK");
            case "savepoint":
                RequireBlock("SAVEPOINT");
                return new("SAVEPOINT");
            case "release":
                RequireBlock("RELEASE SAVEPOINT");
                return new("RELEASE");
            case "set":
                Set(tokens);
                return new("SET");
            case "select" when statement.SetConfig is { } call:
                return SetConfig(call, parameters);
            case "reset":
                Reset(tokens);
                return new("RESET");
            case "show":
                return Show(tokens);
            case "discard":
                return Discard(tokens);
            case "deallocate":
                return Deallocate(tokens);
            default:
                throw new PgWireException(PgErrors.FeatureNotSupported, $"{statement.Command.ToUpperInvariant()} is not supported");
        }
    }

    /// <summary>The columns a session command answers with (SHOW), for Describe; null for none.</summary>
    private IReadOnlyList<string>? CommandColumns(PgWireStatement statement)
    {
        if (statement.SetConfig is { } call) return [call.Column];
        if (statement.Command != "show") return null;
        var name = ShowName(statement.Tokens);
        return name == "all" ? ["name", "setting", "description"] : [Settings.Get(name).Name];
    }

    private void RequireBlock(string command)
    {
        if (_status == TransactionStatus.Idle)
            throw new PgWireException(PgErrors.NoActiveSqlTransaction, $"{command} can only be used in transaction blocks");
    }

    private void Warn(string sqlState, string message) => NoticeResponse.Write(_output, new PgErrorFields("WARNING", sqlState, message));

    /// <summary>The transaction block is over: settings made for it alone go back (ParameterStatus where clients track them).</summary>
    private void EndTransaction()
    {
        _status = TransactionStatus.Idle;
        foreach (var status in Settings.EndTransaction()) WriteParameterStatus(_output, status);
    }

    private void Set(List<PgToken> tokens)
    {
        var i = 1;
        var local = false;
        if (i < tokens.Count && (tokens[i].IsWord("session") || tokens[i].IsWord("local")))
        {
            local = tokens[i].IsWord("local");
            i++;
            if (i < tokens.Count && tokens[i].IsWord("characteristics")) return;
            if (i < tokens.Count && tokens[i].IsWord("authorization")) throw NotYours();
        }

        if (i >= tokens.Count) throw new PgWireException(PgErrors.SyntaxError, "SET needs a parameter name");
        var first = tokens[i];
        if (first.IsWord("transaction")) return;
        if (first.IsWord("role") || first.IsWord("authorization")) throw NotYours();
        string name;
        if (first.IsWord("time") && i + 1 < tokens.Count && tokens[i + 1].IsWord("zone"))
        {
            name = "TimeZone";
            i += 2;
        }
        else if (first.IsWord("names"))
        {
            name = "client_encoding";
            i++;
        }
        else if (first.IsWord("schema"))
        {
            name = "search_path";
            i++;
        }
        else
        {
            name = ParameterName(tokens, ref i);
            if (i < tokens.Count && (tokens[i].IsWord("to") || tokens[i].IsSymbol('='))) i++;
            else throw new PgWireException(PgErrors.SyntaxError, $"SET {name} needs TO or = before its value");
        }

        if (i >= tokens.Count) throw new PgWireException(PgErrors.SyntaxError, $"SET {name} needs a value");
        var value = tokens[i].IsWord("default") || (name == "TimeZone" && tokens[i].IsWord("local")) ? null : Value(tokens, i);
        if (!local)
        {
            WriteParameterStatus(_output, value is null ? Settings.Reset(name) : Settings.Set(name, value));
            return;
        }

        // As in PostgreSQL: outside a transaction block SET LOCAL has no effect but a warning; inside, it lasts until the block ends.
        if (_status == TransactionStatus.Idle)
            Warn(PgErrors.NoActiveSqlTransaction, "SET LOCAL can only be used in transaction blocks");
        else
            WriteParameterStatus(_output, Settings.SetLocal(name, value));
    }

    /// <summary>
    /// SELECT set_config(name, value, is_local): SET by a function, as pg_dump, pgjdbc and ORMs send it; answers the
    /// parameter's new value. With is_local, the value lasts until the transaction block ends (outside one, only the
    /// statement itself, so nothing stays set).
    /// </summary>
    private PgCommandResult SetConfig(PgSetConfigCall call, IReadOnlyList<object?>? parameters)
    {
        var name = call.Name.Text(parameters) ?? throw new PgWireException(PgErrors.NullValueNotAllowed, "SET requires parameter name");
        // A NULL value sets the parameter back to its default, as in PostgreSQL.
        var value = call.Value.Text(parameters);
        var isLocal = call.IsLocal.Text(parameters) is { } flag && PgWireSettings.IsTrue(flag);
        if (isLocal && _status == TransactionStatus.Idle)
        {
            // The statement is its own transaction: the value is checked and answered, and gone when it ends.
            var probe = new PgWireSettings(Info.User, Info.StartupParameters);
            if (value is null) probe.Reset(name);
            else probe.Set(name, value);
            return new("SELECT 1", [call.Column], [[probe.Knows(name) ? probe.Get(name).Value : ""]]);
        }

        WriteParameterStatus(_output, isLocal ? Settings.SetLocal(name, value)
            : value is null ? Settings.Reset(name) : Settings.Set(name, value));
        return new("SELECT 1", [call.Column], [[Settings.Knows(name) ? Settings.Get(name).Value : ""]]);
    }

    private void Reset(List<PgToken> tokens)
    {
        if (tokens.Count < 2) throw new PgWireException(PgErrors.SyntaxError, "RESET needs a parameter name or ALL");
        if (tokens[1].IsWord("all"))
        {
            foreach (var status in Settings.ResetAll()) WriteParameterStatus(_output, status);
            return;
        }

        if (tokens[1].IsWord("session") || tokens[1].IsWord("role")) return;
        var i = 1;
        var name = tokens[1].IsWord("time") && tokens.Count > 2 && tokens[2].IsWord("zone") ? "TimeZone" : ParameterName(tokens, ref i);
        WriteParameterStatus(_output, Settings.Reset(name));
    }

    private PgCommandResult Show(List<PgToken> tokens)
    {
        var name = ShowName(tokens);
        if (name == "all") return new("SHOW", ["name", "setting", "description"], Settings.All().Select(s => new string?[] { s.Name, s.Value, s.Description }).ToList());
        var (canonical, value) = Settings.Get(name);
        return new("SHOW", [canonical], [[value]]);
    }

    private static string ShowName(List<PgToken> tokens)
    {
        if (tokens.Count < 2) throw new PgWireException(PgErrors.SyntaxError, "SHOW needs a parameter name or ALL");
        if (tokens[1].IsWord("time") && tokens.Count > 2 && tokens[2].IsWord("zone")) return "TimeZone";
        if (tokens[1].IsWord("transaction")) return "transaction_isolation";
        if (tokens[1].IsWord("session") && tokens.Count > 2 && tokens[2].IsWord("authorization")) return "session_authorization";
        var i = 1;
        return ParameterName(tokens, ref i);
    }

    private PgCommandResult Discard(List<PgToken> tokens)
    {
        var what = tokens.Count > 1 ? tokens[1].Value.ToUpperInvariant() : throw new PgWireException(PgErrors.SyntaxError, "DISCARD needs ALL, PLANS, SEQUENCES or TEMP");
        if (what is not ("ALL" or "PLANS" or "SEQUENCES" or "TEMP" or "TEMPORARY"))
            throw new PgWireException(PgErrors.SyntaxError, $"DISCARD {what} is not a DISCARD command");
        if (what == "ALL")
        {
            if (_status != TransactionStatus.Idle)
                throw new PgWireException(PgErrors.ActiveSqlTransaction, "DISCARD ALL cannot run inside a transaction block");
            foreach (var status in Settings.ResetAll()) WriteParameterStatus(_output, status);
            _statements.Clear();
            // Portals end with the (implicit) transaction at the next Sync or with the simple query.
        }
        else if (what == "PLANS")
        {
            _statements.Clear();
        }

        return new("DISCARD " + (what == "TEMPORARY" ? "TEMP" : what));
    }

    private PgCommandResult Deallocate(List<PgToken> tokens)
    {
        var i = 1;
        if (i < tokens.Count && tokens[i].IsWord("prepare")) i++;
        if (i >= tokens.Count) throw new PgWireException(PgErrors.SyntaxError, "DEALLOCATE needs a statement name or ALL");
        if (tokens[i].IsWord("all"))
        {
            _statements.Clear();
            return new("DEALLOCATE ALL");
        }

        var name = tokens[i].Value;
        if (!_statements.Remove(name)) throw new PgWireException(PgErrors.InvalidSqlStatementName, $"prepared statement \"{name}\" does not exist");
        return new("DEALLOCATE");
    }

    /// <summary>A parameter name: a word, a quoted identifier, or a dotted custom name.</summary>
    private static string ParameterName(List<PgToken> tokens, ref int i)
    {
        var token = tokens[i];
        if (token.Kind is not (PgTokenKind.Word or PgTokenKind.QuotedIdentifier))
            throw new PgWireException(PgErrors.SyntaxError, $"expected a parameter name, not \"{token.Value}\"");
        var name = token.Value;
        i++;
        while (i + 1 < tokens.Count && tokens[i].IsSymbol('.') && tokens[i + 1].Kind is PgTokenKind.Word or PgTokenKind.QuotedIdentifier)
        {
            name += "." + tokens[i + 1].Value;
            i += 2;
        }

        return name;
    }

    /// <summary>A SET value as PostgreSQL flattens it: items joined by ", ", quoted identifiers kept quoted.</summary>
    private static string Value(List<PgToken> tokens, int i)
    {
        var value = new StringBuilder();
        for (; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.IsSymbol(','))
            {
                value.Append(", ");
                continue;
            }

            value.Append(token.Kind switch
            {
                PgTokenKind.QuotedIdentifier => $"\"{token.Value}\"",
                PgTokenKind.Word or PgTokenKind.String or PgTokenKind.Number => token.Value,
                _ when token.IsSymbol('-') || token.IsSymbol('+') || token.IsSymbol('.') || token.IsSymbol('/') || token.IsSymbol(':') => token.Value,
                _ => throw new PgWireException(PgErrors.SyntaxError, $"unexpected \"{token.Value}\" in a SET value"),
            });
        }

        return value.ToString();
    }

    private static PgWireException NotYours() => new(PgErrors.InsufficientPrivilege,
        "the session's role is the principal it authenticated as and cannot be changed", hint: "connect as the other principal, with its token");
}
