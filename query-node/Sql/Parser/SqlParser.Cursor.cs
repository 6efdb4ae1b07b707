using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    /// <summary>DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query.
    /// PostgreSQL's grammar takes the options in any order.</summary>
    private DeclareCursorStmt ParseDeclareCursor()
    {
        int location = ExpectKeyword("declare").Position;
        string name = ExpectColumnIdentifier().Name;
        bool? scroll = null;
        bool binary = false;
        while (true)
        {
            if (TryKeyword("binary")) binary = true;
            else if (IsKeyword("no") && Peek().IsKeyword("scroll"))
            {
                _index += 2;
                scroll = false;
            }
            else if (TryKeyword("scroll")) scroll = true;
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
        return new DeclareCursorStmt(name, select, SourceTextFrom(start), hold, location, scroll, binary);
    }

    /// <summary>FETCH | MOVE [direction] [FROM | IN] name, with gram.y's fetch_args: NEXT, PRIOR, FIRST, LAST,
    /// ABSOLUTE n, RELATIVE n, n, ALL, FORWARD [n | ALL], BACKWARD [n | ALL]; none means NEXT.</summary>
    private FetchStmt ParseFetch()
    {
        Token keyword = Advance();
        (FetchDirection direction, long? count) = (FetchDirection.Forward, 1);
        if (TryKeyword("next")) { }
        else if (TryKeyword("prior")) direction = FetchDirection.Backward;
        else if (TryKeyword("first")) direction = FetchDirection.Absolute;
        else if (TryKeyword("last")) (direction, count) = (FetchDirection.Absolute, -1);
        else if (TryKeyword("absolute")) (direction, count) = (FetchDirection.Absolute, ParseSignedFetchCount());
        else if (TryKeyword("relative")) (direction, count) = (FetchDirection.Relative, ParseSignedFetchCount());
        else if (TryKeyword("all")) count = null;
        else if (IsKeyword("forward") || IsKeyword("backward"))
        {
            direction = Advance().Text == "forward" ? FetchDirection.Forward : FetchDirection.Backward;
            if (TryKeyword("all")) count = null;
            else if (IsSignedFetchCount()) count = ParseSignedFetchCount();
        }
        else if (IsSignedFetchCount()) count = ParseSignedFetchCount();
        if (!TryKeyword("from")) TryKeyword("in");
        string name = ExpectColumnIdentifier().Name;
        return new FetchStmt(name, count, keyword.Text == "move", keyword.Position, direction);
    }

    private bool IsSignedFetchCount() =>
        Current.Kind == TokenKind.Integer || (Current.IsOperator("-") || Current.IsOperator("+")) && Peek().Kind == TokenKind.Integer;

    /// <summary>SignedIconst: an integer with an optional sign.</summary>
    private long ParseSignedFetchCount()
    {
        bool negative = TryOperator("-");
        if (!negative) TryOperator("+");
        if (Current.Kind != TokenKind.Integer) throw SyntaxError();
        Token number = Advance();
        if (!long.TryParse(number.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value) || value > int.MaxValue)
        {
            throw SyntaxErrorAt(number);
        }
        return negative ? -value : value;
    }
}
