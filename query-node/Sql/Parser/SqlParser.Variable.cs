using System.Text;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private Statement ParseSet()
    {
        Token token = Advance();
        if (token.Text == "reset")
        {
            if (IsKeyword("session") && Peek().IsKeyword("authorization"))
            {
                _index += 2;
                return new VariableSetStmt("session_authorization", null, token.Position);
            }
            string resetName = TryKeyword("all") ? "all" : ParseVariableName();
            return new VariableSetStmt(resetName, null, token.Position);
        }
        if (IsKeyword("constraints")) return ParseConstraintsSet(token.Position);
        int scopeStart = _index;
        bool isLocal = !TryKeyword("session") && TryKeyword("local");
        bool afterSession = _index > scopeStart && !isLocal;
        if (IsKeyword("role") && !Peek().IsKeyword("to") && !Peek().IsOperator("="))
        {
            // SET ROLE name | NONE: the setting "role", which the engine checks against the catalog's roles.
            _index++;
            string role = TryKeyword("none") ? "none" : Current.Kind == TokenKind.String ? Advance().Text : ExpectColumnIdentifier().Name;
            return new VariableSetStmt("role", role, token.Position) { IsLocal = isLocal };
        }
        if (afterSession && IsKeyword("authorization") || IsKeyword("session") && Peek().IsKeyword("authorization"))
        {
            // SET [SESSION | LOCAL] SESSION AUTHORIZATION name | 'name' | DEFAULT: the setting session_authorization, which
            // the engine checks against the login and the catalog's roles as it does SET ROLE's.
            if (IsKeyword("session")) _index++;
            _index++;
            string user = TryKeyword("default") ? "default" : Current.Kind == TokenKind.String ? Advance().Text : ExpectColumnIdentifier().Name;
            return new VariableSetStmt("session_authorization", user, token.Position) { IsLocal = isLocal };
        }
        if (IsKeyword("characteristics") || IsKeyword("transaction"))
        {
            // SET [SESSION CHARACTERISTICS AS] TRANSACTION modes
            bool characteristics = TryKeyword("characteristics");
            if (characteristics) ExpectKeyword("as");
            ExpectKeyword("transaction");
            bool? readOnly = ParseTransactionModes();
            // The session keeps READ ONLY / READ WRITE: SET TRANSACTION as transaction_read_only, SET SESSION
            // CHARACTERISTICS as default_transaction_read_only.
            string? mode = readOnly switch { true => "on", false => "off", null => null };
            return new VariableSetStmt(characteristics ? "session_characteristics" : "transaction", mode, token.Position);
        }
        string name;
        if (TryKeyword("time"))
        {
            ExpectKeyword("zone");
            name = "timezone";
        }
        else
        {
            name = ParseVariableName();
            if (!TryKeyword("to")) ExpectOperator("=");
        }
        var value = new StringBuilder();
        while (Current.Kind != TokenKind.EndOfInput && !Current.IsOperator(";"))
        {
            Token part = Advance();
            if (part.IsOperator(",")) value.Append(", ");
            else value.Append(part.Kind == TokenKind.Identifier || part.Kind == TokenKind.String ? part.Text : _text.Substring(part.Position, part.Length));
        }
        if (value.Length == 0) throw SyntaxError();
        return new VariableSetStmt(name, value.ToString(), token.Position) { IsLocal = isLocal };
    }

    private Statement ParseShow()
    {
        Token token = Advance();
        if (TryKeyword("all")) return new VariableShowStmt("all", token.Position);
        if (TryKeyword("transaction"))
        {
            ExpectKeyword("isolation");
            ExpectKeyword("level");
            return new VariableShowStmt("transaction_isolation", token.Position);
        }
        if (TryKeyword("time"))
        {
            ExpectKeyword("zone");
            return new VariableShowStmt("timezone", token.Position);
        }
        return new VariableShowStmt(ParseVariableName(), token.Position);
    }

    private string ParseVariableName()
    {
        string name = ExpectColumnLabel();
        while (TryOperator(".")) name += "." + ExpectColumnLabel();
        return name;
    }
}
