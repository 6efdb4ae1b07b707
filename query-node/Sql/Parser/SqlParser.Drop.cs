using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private Statement ParseDrop()
    {
        int location = ExpectKeyword("drop").Position;
        if (IsKeyword("index")) return ParseDropIndex(location);
        if (TryKeyword("schema")) return ParseDropSchema(location);
        if (TryKeyword("role") || TryKeyword("user") || TryKeyword("group")) return ParseDropRole(location);
        ObjectType removeType = ObjectType.Table;
        if (TryKeyword("sequence")) removeType = ObjectType.Sequence;
        else if (TryKeyword("view")) removeType = ObjectType.View;
        else if (!TryKeyword("table"))
        {
            if (Current.Kind == TokenKind.Identifier && Current.Text is "index" or "database"
                or "function" or "role" or "user" or "type" or "extension" or "trigger" or "materialized")
            {
                throw NotSupported("DROP " + Current.Text.ToUpperInvariant(), Current.Position);
            }
            throw SyntaxError();
        }
        bool missingOk = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("exists");
            missingOk = true;
        }
        var objects = new List<RangeVar>();
        do objects.Add(ParseRangeVar(allowAlias: false));
        while (TryOperator(","));
        bool cascade = removeType == ObjectType.Table && TryKeyword("cascade");
        if (IsKeyword("cascade")) throw NotSupported("DROP ... CASCADE", Current.Position);
        TryKeyword("restrict");
        return new DropStmt(objects, missingOk, location, removeType) { Cascade = cascade };
    }
}
