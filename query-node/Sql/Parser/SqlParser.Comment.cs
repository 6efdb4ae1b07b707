using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private CommentStmt ParseComment()
    {
        int location = ExpectKeyword("comment").Position;
        ExpectKeyword("on");
        Token kind = Current;
        ObjectType type;
        string? column = null;
        RangeVar relation;
        if (TryKeyword("column"))
        {
            // [schema.]table.column: the last name is the column.
            (string first, int firstLocation) = ExpectColumnIdentifier();
            var names = new List<string> { first };
            while (TryOperator(".")) names.Add(ExpectColumnLabel());
            if (names.Count is < 2 or > 3) throw new SqlException(SqlState.SyntaxError, "column name must be qualified", firstLocation + 1);
            column = names[^1];
            relation = new RangeVar(names.Count == 3 ? names[0] : null, names[^2], null, firstLocation);
            type = ObjectType.Table;
        }
        else
        {
            if (TryKeyword("table")) type = ObjectType.Table;
            else if (TryKeyword("sequence")) type = ObjectType.Sequence;
            else if (TryKeyword("view")) type = ObjectType.View;
            else if (TryKeyword("index")) type = ObjectType.Index;
            else if (kind.Kind == TokenKind.Identifier) throw NotSupported("COMMENT ON " + kind.Text.ToUpperInvariant(), kind.Position);
            else throw SyntaxError();
            relation = ParseRangeVar(allowAlias: false);
        }
        ExpectKeyword("is");
        string? comment = null;
        if (!TryKeyword("null"))
        {
            if (Current.Kind != TokenKind.String) throw SyntaxError();
            comment = Advance().Text;
        }
        return new CommentStmt(type, relation, column, comment, location);
    }
}
