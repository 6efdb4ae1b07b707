using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    /// <summary>EXPLAIN [ANALYZE] [VERBOSE] statement, or EXPLAIN (option [value], ...) statement, where the statement is
    /// a query, INSERT, UPDATE or DELETE. Options are kept by lower-case name with their value as written.</summary>
    private ExplainStmt ParseExplain()
    {
        Token explain = ExpectKeyword("explain");
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (Current.IsOperator("(") && !IsParenthesizedQueryAhead())
        {
            _index++;
            do
            {
                Token name = Current;
                bool isWord = name.Kind == TokenKind.QuotedIdentifier
                    || (name.Kind == TokenKind.Identifier && (!Keywords.IsReserved(name.Text) || name.Text is "analyze" or "analyse"));
                if (!isWord) throw SyntaxError();
                _index++;
                options[name.Text == "analyse" ? "analyze" : name.Text] = ParseExplainOptionValue();
            }
            while (TryOperator(","));
            ExpectOperator(")");
        }
        else
        {
            if (TryKeyword("analyze") || TryKeyword("analyse")) options["analyze"] = null;
            if (TryKeyword("verbose")) options["verbose"] = null;
        }
        Token start = Current;
        if (start.IsKeyword("execute")) return new ExplainStmt(ParseExecute(), options, explain.Position);
        bool explainable = StartsQuery(start) || start.IsOperator("(") || start.IsKeyword("insert") || start.IsKeyword("update") || start.IsKeyword("delete");
        if (!explainable)
        {
            if (start.Kind == TokenKind.Identifier && start.Text is "create" or "declare" or "merge" or "refresh")
            {
                throw NotSupported("EXPLAIN " + start.Text.ToUpperInvariant(), start.Position);
            }
            throw SyntaxError();
        }
        return new ExplainStmt(ParsePreparableStatement(), options, explain.Position);
    }

    /// <summary>An option's value: a word (on, off, true, text, json ...), a string or a number; null when absent.</summary>
    private string? ParseExplainOptionValue()
    {
        Token token = Current;
        if (token.IsOperator(",") || token.IsOperator(")")) return null;
        if (token.IsOperator("+") || token.IsOperator("-"))
        {
            _index++;
            Token number = Current;
            if (number.Kind is not (TokenKind.Integer or TokenKind.Decimal)) throw SyntaxError();
            _index++;
            return (token.Text == "-" ? "-" : "") + number.Text;
        }
        bool isWord = token.Kind == TokenKind.QuotedIdentifier
            || (token.Kind == TokenKind.Identifier && (!Keywords.IsReserved(token.Text) || token.Text is "true" or "false" or "on"));
        if (isWord || token.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Decimal)
        {
            _index++;
            return token.Text;
        }
        throw SyntaxError();
    }
}
