using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private SelectStmt ParseSelect()
    {
        Token selectToken = ExpectKeyword("select");
        bool distinct = false;
        if (TryKeyword("distinct"))
        {
            if (IsKeyword("on")) throw NotSupported("DISTINCT ON", Current.Position);
            distinct = true;
        }
        else
        {
            TryKeyword("all");
        }
        // "select;" and "select from t" have an empty target list in PostgreSQL.
        List<ResTarget> targets = IsSelectListEnd() ? [] : ParseTargetList();

        RangeVar? from = null;
        if (TryKeyword("from"))
        {
            if (Current.IsOperator("(")) throw NotSupported("a subquery in FROM", Current.Position);
            from = ParseRangeVar(allowAlias: true);
            if (Current.IsOperator(",") || IsKeyword("join") || IsKeyword("inner") || IsKeyword("left") || IsKeyword("right")
                || IsKeyword("full") || IsKeyword("cross") || IsKeyword("natural"))
            {
                throw NotSupported("a query over more than one table (joins)", Current.Position);
            }
        }
        Expression? where = TryKeyword("where") ? ParseExpression() : null;
        var groupBy = new List<Expression>();
        if (TryKeyword("group"))
        {
            ExpectKeyword("by");
            do groupBy.Add(ParseExpression());
            while (TryOperator(","));
        }
        Expression? having = TryKeyword("having") ? ParseExpression() : null;
        if (IsKeyword("union") || IsKeyword("intersect") || IsKeyword("except"))
        {
            throw NotSupported(Current.Text.ToUpperInvariant(), Current.Position);
        }
        var sortClause = new List<SortBy>();
        if (TryKeyword("order"))
        {
            ExpectKeyword("by");
            do sortClause.Add(ParseSortBy());
            while (TryOperator(","));
        }
        Expression? limit = null;
        Expression? offset = null;
        bool forUpdate = false;
        while (true)
        {
            if (limit is null && TryKeyword("limit"))
            {
                if (!TryKeyword("all")) limit = ParseExpression();
                else limit = new A_Const(ConstantKind.Null, null, -1);
            }
            else if (offset is null && TryKeyword("offset"))
            {
                offset = ParseExpression();
                if (!TryKeyword("rows")) TryKeyword("row");
            }
            else if (limit is null && IsKeyword("fetch"))
            {
                // FETCH { FIRST | NEXT } [n] { ROW | ROWS } ONLY
                _index++;
                if (!TryKeyword("first")) ExpectKeyword("next");
                limit = IsKeyword("row") || IsKeyword("rows") ? new A_Const(ConstantKind.Integer, "1", Current.Position) : ParseExpressionAtAdditiveLevel();
                if (!TryKeyword("rows")) ExpectKeyword("row");
                ExpectKeyword("only");
            }
            else if (!forUpdate && TryKeyword("for"))
            {
                if (TryKeyword("update")) { }
                else if (TryKeyword("no")) { ExpectKeyword("key"); ExpectKeyword("update"); }
                else if (TryKeyword("share")) { }
                else if (TryKeyword("key")) ExpectKeyword("share");
                else throw SyntaxError();
                if (IsKeyword("of")) throw NotSupported("FOR UPDATE OF", Current.Position);
                if (TryKeyword("nowait")) { }
                else if (TryKeyword("skip")) ExpectKeyword("locked");
                forUpdate = true;
            }
            else
            {
                break;
            }
        }
        return new SelectStmt(targets, distinct, from, where, groupBy, having, sortClause, limit, offset, forUpdate, selectToken.Position);
    }

    private bool IsSelectListEnd() =>
        Current.Kind == TokenKind.EndOfInput || Current.IsOperator(";") || IsKeyword("from") || IsKeyword("where")
        || IsKeyword("order") || IsKeyword("limit") || IsKeyword("group") || IsKeyword("having") || IsKeyword("offset");

    private List<ResTarget> ParseTargetList()
    {
        var targets = new List<ResTarget>();
        do
        {
            if (targets.Count == SqlLimits.TargetListEntriesMax)
            {
                // Stop before the list grows further: nothing downstream is sized for tens of thousands of columns.
                throw new SqlException(EngineSqlState.TooManyColumns,
                    $"target lists can have at most {SqlLimits.TargetListEntriesMax.ToString(CultureInfo.InvariantCulture)} entries");
            }
            targets.Add(ParseTarget());
        }
        while (TryOperator(","));
        return targets;
    }

    private ResTarget ParseTarget()
    {
        Token start = Current;
        if (start.IsOperator("*"))
        {
            _index++;
            return new ResTarget(new ColumnRef([], Star: true, start.Position), null, start.Position);
        }
        Expression value = ParseExpression();
        string? name = null;
        if (TryKeyword("as"))
        {
            name = ExpectColumnLabel();
        }
        else if (Current.Kind == TokenKind.QuotedIdentifier || (Current.Kind == TokenKind.Identifier && !Keywords.IsReserved(Current.Text)))
        {
            // A bare column label (PostgreSQL 14+ accepts most keywords here).
            name = Advance().Text;
        }
        return new ResTarget(value, name, start.Position);
    }

    private SortBy ParseSortBy()
    {
        Token start = Current;
        Expression expression = ParseExpression();
        var direction = SortByDirection.Default;
        if (TryKeyword("asc")) direction = SortByDirection.Ascending;
        else if (TryKeyword("desc")) direction = SortByDirection.Descending;
        else if (IsKeyword("using")) throw NotSupported("ORDER BY USING", Current.Position);
        var nulls = SortByNulls.Default;
        if (TryKeyword("nulls"))
        {
            if (TryKeyword("first")) nulls = SortByNulls.First;
            else if (TryKeyword("last")) nulls = SortByNulls.Last;
            else throw SyntaxError();
        }
        return new SortBy(expression, direction, nulls, start.Position);
    }
}
