using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private Statement ParseDiscard()
    {
        Token token = Advance();
        string target = Current.Kind == TokenKind.Identifier ? Advance().Text : throw SyntaxError();
        return target switch
        {
            "all" or "plans" or "sequences" => new DiscardStmt(target, token.Position),
            "temp" or "temporary" => new DiscardStmt("temp", token.Position),
            _ => throw SyntaxErrorAt(_tokens[_index - 1]),
        };
    }

    private Statement ParseClose()
    {
        Token token = Advance();
        return new ClosePortalStmt(TryKeyword("all") ? null : ExpectColumnIdentifier().Name, token.Position);
    }

    private Statement ParseUnlisten()
    {
        Token token = Advance();
        if (!TryOperator("*")) ExpectColumnIdentifier();
        return new NoOperationStmt("UNLISTEN", token.Position);
    }

    /// <summary>COPY as gram.y's CopyStmt: the parenthesized option list, and the old unparenthesized spellings
    /// (CSV, HEADER, DELIMITER [AS] 'x', NULL [AS] 'x', BINARY) that psql's \copy passes through.</summary>
    private Statement ParseCopy()
    {
        Token token = Advance();
        RangeVar? relation = null;
        List<string>? columns = null;
        SelectStmt? query = null;
        if (TryOperator("("))
        {
            if (IsKeyword("insert") || IsKeyword("update") || IsKeyword("delete")) throw NotSupported("COPY of a data-modifying statement", Current.Position);
            if (!StartsQuery(Current) && !Current.IsOperator("(")) throw SyntaxError();
            query = ParseSelectStatement();
            ExpectOperator(")");
        }
        else
        {
            relation = ParseRangeVar(allowAlias: false);
            if (TryOperator("("))
            {
                columns = [];
                do columns.Add(ExpectColumnIdentifier().Name);
                while (TryOperator(","));
                ExpectOperator(")");
            }
        }
        bool isFrom;
        if (TryKeyword("from")) isFrom = true;
        else if (TryKeyword("to")) isFrom = false;
        else throw SyntaxError();
        if (query is not null && isFrom) throw SyntaxErrorAt(_tokens[_index - 1]);
        if (isFrom ? !TryKeyword("stdin") : !TryKeyword("stdout"))
        {
            if (Current.Kind == TokenKind.String || IsKeyword("program"))
            {
                throw new SqlException("42501", $"must be superuser or have privileges of the {(IsKeyword("program") ? "pg_execute_server_program" : isFrom ? "pg_read_server_files" : "pg_write_server_files")} role to COPY {(isFrom ? "from" : "to")} a file",
                    hint: "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.");
            }
            throw SyntaxError();
        }
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        TryKeyword("with");
        if (TryOperator("("))
        {
            do
            {
                string name = Current.Kind == TokenKind.Identifier ? Advance().Text : throw SyntaxError();
                string? value = null;
                if (Current.Kind is TokenKind.String or TokenKind.Identifier or TokenKind.Integer && !Current.IsOperator(","))
                {
                    value = Advance().Text;
                }
                AddCopyOption(options, name, value);
            }
            while (TryOperator(","));
            ExpectOperator(")");
        }
        else
        {
            while (Current.Kind == TokenKind.Identifier)
            {
                Token option = Advance();
                switch (option.Text)
                {
                    case "binary" or "csv":
                        AddCopyOption(options, "format", option.Text);
                        break;
                    case "header":
                        AddCopyOption(options, "header", null);
                        break;
                    case "delimiter" or "null" or "quote" or "escape":
                        TryKeyword("as");
                        if (Current.Kind != TokenKind.String) throw SyntaxError();
                        AddCopyOption(options, option.Text, Advance().Text);
                        break;
                    default:
                        throw SyntaxErrorAt(option);
                }
            }
        }
        return new CopyStmt(relation, columns, query, isFrom, options, token.Position);
    }

    private static void AddCopyOption(Dictionary<string, string?> options, string name, string? value)
    {
        if (!options.TryAdd(name, value))
        {
            throw new SqlException(SqlState.SyntaxError, "conflicting or redundant options");
        }
    }
}
