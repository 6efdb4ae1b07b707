using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    /// <summary>DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query.
    /// Cursors move forward only here, so BINARY and SCROLL are 0A000.</summary>
    private DeclareCursorStmt ParseDeclareCursor()
    {
        int location = ExpectKeyword("declare").Position;
        string name = ExpectColumnIdentifier().Name;
        while (true)
        {
            if (IsKeyword("binary") || IsKeyword("scroll")) throw NotSupported("DECLARE ... " + Current.Text.ToUpperInvariant(), Current.Position);
            if (IsKeyword("no") && Peek().IsKeyword("scroll")) _index += 2;
            else if (!TryKeyword("asensitive") && !TryKeyword("insensitive")) break;
        }
        ExpectKeyword("cursor");
        bool hold = false;
        if (IsKeyword("with") || IsKeyword("without"))
        {
            hold = Advance().Text == "with";
            ExpectKeyword("hold");
        }
        ExpectKeyword("for");
        int start = _index;
        Statement query = ParsePreparableStatement();
        if (query is not SelectStmt select) throw SyntaxErrorAt(_tokens[start]);
        return new DeclareCursorStmt(name, select, SourceTextFrom(start), hold, location);
    }

    /// <summary>FETCH | MOVE [NEXT | FORWARD [count | ALL] | count | ALL] [FROM | IN] name; the backward and absolute
    /// directions are 0A000 (cursors move forward only).</summary>
    private FetchStmt ParseFetch()
    {
        Token keyword = Advance();
        long? count = 1;
        if (IsKeyword("prior") || IsKeyword("first") || IsKeyword("last") || IsKeyword("absolute") || IsKeyword("relative") || IsKeyword("backward"))
        {
            throw NotSupported($"{keyword.Text.ToUpperInvariant()} {Current.Text.ToUpperInvariant()}", Current.Position);
        }
        if (TryKeyword("next"))
        {
            count = 1;
        }
        else
        {
            TryKeyword("forward");
            if (TryKeyword("all")) count = null;
            else if (Current.Kind == TokenKind.Integer) count = long.Parse(Advance().Text, System.Globalization.CultureInfo.InvariantCulture);
        }
        if (!TryKeyword("from")) TryKeyword("in");
        string name = ExpectColumnIdentifier().Name;
        return new FetchStmt(name, count, keyword.Text == "move", keyword.Position);
    }
}
