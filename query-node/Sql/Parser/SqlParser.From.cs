using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>FROM lists as gram.y's from_list / table_ref / joined_table: tables, subqueries, functions, and joins,
/// which chain to the left except that a qualified join still waiting for its ON or USING takes the joins after it
/// as its right side (<c>a JOIN b JOIN c ON p1 ON p2</c>), as the LALR grammar does.</summary>
internal sealed partial class SqlParser
{
    private List<FromItem> ParseFromList()
    {
        var items = new List<FromItem>();
        do items.Add(ParseTableReference());
        while (TryOperator(","));
        return items;
    }

    private FromItem ParseTableReference()
    {
        EnterNesting();
        FromItem item = ParseJoinChain(ParseTablePrimary());
        LeaveNesting();
        return item;
    }

    private bool IsJoinStart() =>
        IsKeyword("join") || IsKeyword("inner") || IsKeyword("left") || IsKeyword("right") || IsKeyword("full") || IsKeyword("cross") || IsKeyword("natural");

    private FromItem ParseJoinChain(FromItem left)
    {
        while (IsJoinStart()) left = ParseJoin(left);
        return left;
    }

    private FromItem ParseJoin(FromItem left)
    {
        bool natural = TryKeyword("natural");
        if (!natural && TryKeyword("cross"))
        {
            Token crossJoin = ExpectKeyword("join");
            return new JoinExpr(JoinType.Cross, left, ParseTablePrimary(), false, null, null, null, crossJoin.Position);
        }
        JoinType kind = JoinType.Inner;
        if (TryKeyword("inner")) { }
        else if (TryKeyword("left")) { kind = JoinType.Left; TryKeyword("outer"); }
        else if (TryKeyword("right")) { kind = JoinType.Right; TryKeyword("outer"); }
        else if (TryKeyword("full")) { kind = JoinType.Full; TryKeyword("outer"); }
        Token join = ExpectKeyword("join");
        FromItem right = ParseTablePrimary();
        if (natural) return new JoinExpr(kind, left, right, true, null, null, null, join.Position);
        // Without its qualifier yet, this join takes the following joins as its right side.
        if (IsJoinStart()) right = ParseJoinChain(right);
        if (TryKeyword("on"))
        {
            return new JoinExpr(kind, left, right, false, null, ParseExpression(), null, join.Position);
        }
        if (TryKeyword("using"))
        {
            List<string> columns = ParseNameList();
            string? alias = TryKeyword("as") ? ExpectColumnIdentifier().Name : null;
            return new JoinExpr(kind, left, right, false, columns, null, alias, join.Position);
        }
        throw SyntaxError();
    }

    /// <summary>One table_ref before any join: [ONLY] table [alias], [LATERAL] (subquery) [alias],
    /// [LATERAL] function(...) [WITH ORDINALITY] [alias], or '(' joined table ')' [alias].</summary>
    private FromItem ParseTablePrimary()
    {
        Token start = Current;
        bool lateral = TryKeyword("lateral");
        if (Current.IsOperator("("))
        {
            if (IsParenthesizedQueryAhead())
            {
                SelectStmt? subquery = StartsQuery(Peek()) ? ParseParenthesizedSelect() : TryParseAmbiguousParenthesizedSelect();
                if (subquery is not null)
                {
                    (string? alias, List<string>? columns) = ParseAliasClause(allowColumnDefinitions: false);
                    return new RangeSubselect(subquery, alias, columns, lateral, start.Position);
                }
            }
            if (lateral) throw SyntaxErrorAt(Peek());
            return ParseParenthesizedJoin();
        }
        if (IsKeyword("rows") && Peek().IsKeyword("from")) throw NotSupported("ROWS FROM", Current.Position);
        if (IsFunctionInFrom())
        {
            Token nameToken = Current;
            Expression call = ParseColumnReferenceOrFunction(windowless: true);
            if (call is not FuncCall function) throw SyntaxErrorAt(nameToken);
            bool ordinality = false;
            if (IsKeyword("with") && Peek().IsKeyword("ordinality"))
            {
                _index += 2;
                ordinality = true;
            }
            (string? alias, List<string>? columns, List<ColumnDefinitionItem>? definitions) = ParseFunctionAliasClause();
            return new RangeFunction(function, alias, columns, lateral, ordinality, start.Position) { ColumnDefinitions = definitions };
        }
        if (lateral) throw SyntaxError();
        TryKeyword("only");
        RangeVar relation = ParseRangeVar(allowAlias: true);
        // "t *" asks for the table and its children: there is no inheritance here, so it is the table.
        if (Current.IsOperator("*") && relation.Alias is null) _index++;
        if (relation.Alias is not null && Current.IsOperator("(")) relation = relation with { ColumnAliases = ParseNameList() };
        if (IsKeyword("tablesample")) throw NotSupported("TABLESAMPLE", Current.Position);
        return relation;
    }

    /// <summary>A function call in FROM: name '(' or schema.name '('.</summary>
    private bool IsFunctionInFrom()
    {
        if (Current.Kind == TokenKind.Identifier && Keywords.IsReserved(Current.Text)) return false;
        if (Current.Kind is not (TokenKind.Identifier or TokenKind.QuotedIdentifier)) return false;
        if (Peek().IsOperator("(")) return true;
        return Peek().IsOperator(".") && Peek(2).Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier && Peek(3).IsOperator("(");
    }

    /// <summary>'(' joined_table ')' [[AS] alias]: the parenthesized item must be a join (PostgreSQL rejects "(t)").</summary>
    private FromItem ParseParenthesizedJoin()
    {
        ExpectOperator("(");
        FromItem inner = ParseTableReference();
        if (inner is not JoinExpr join) throw SyntaxError();
        ExpectOperator(")");
        (string? alias, List<string>? columns) = ParseAliasClause(allowColumnDefinitions: false);
        if (alias is null) return join;
        if (columns is not null) throw NotSupported("column aliases for a join", join.Location);
        if (join.Alias is not null) throw NotSupported("an alias for a join that has a USING alias", join.Location);
        return join with { Alias = alias };
    }

    /// <summary>[AS] alias [(column, ...)]; without AS the alias must be a ColId that does not start a clause.</summary>
    private (string? Alias, List<string>? Columns) ParseAliasClause(bool allowColumnDefinitions)
    {
        string? alias = null;
        if (TryKeyword("as"))
        {
            if (Current.IsOperator("(")) throw NotSupported("a column definition list", Current.Position);
            alias = ExpectColumnIdentifier().Name;
        }
        else if (Current.Kind == TokenKind.QuotedIdentifier || (Current.Kind == TokenKind.Identifier && Keywords.CanBeColumnIdentifier(Current.Text) && !IsClauseKeyword(Current.Text)))
        {
            alias = Advance().Text;
        }
        if (alias is null || !Current.IsOperator("(")) return (alias, null);
        // A name followed by a type starts a column definition list, which the caller reads.
        if (allowColumnDefinitions && !Peek(2).IsOperator(",") && !Peek(2).IsOperator(")")) return (alias, null);
        _index++;
        var columns = new List<string>();
        do
        {
            columns.Add(ExpectColumnIdentifier().Name);
        }
        while (TryOperator(","));
        ExpectOperator(")");
        return (alias, columns);
    }

    /// <summary>func_alias_clause: an alias clause, or a column definition list for a function returning record,
    /// [AS] [alias] '(' name type, ... ')' (the alias may be left out only after AS).</summary>
    private (string? Alias, List<string>? Columns, List<ColumnDefinitionItem>? Definitions) ParseFunctionAliasClause()
    {
        if (IsKeyword("as") && Peek().IsOperator("("))
        {
            _index++;
            return (null, null, ParseColumnDefinitionList());
        }
        (string? alias, List<string>? columns) = ParseAliasClause(allowColumnDefinitions: true);
        if (alias is null || columns is not null || !Current.IsOperator("(")) return (alias, columns, null);
        return (alias, null, ParseColumnDefinitionList());
    }

    /// <summary>'(' name type [, name type ...] ')' (TableFuncElementList).</summary>
    private List<ColumnDefinitionItem> ParseColumnDefinitionList()
    {
        ExpectOperator("(");
        var definitions = new List<ColumnDefinitionItem>();
        do
        {
            (string name, int location) = ExpectColumnIdentifier();
            definitions.Add(new ColumnDefinitionItem(name, ParseTypeName(), location));
        }
        while (TryOperator(","));
        ExpectOperator(")");
        return definitions;
    }

    /// <summary>Tries the query reading of an ambiguous '(' (a query, or an expression or join that starts with one):
    /// null, with the position put back, when that reading is a syntax error. The failure is remembered, so that the
    /// same '(' is not tried twice and the other reading can report the furthest error, as an LALR parser would.</summary>
    private SelectStmt? TryParseAmbiguousParenthesizedSelect()
    {
        int start = _index;
        int depth = _depth;
        if (_failedQueryStarts.Contains(start)) return null;
        try
        {
            return ParseParenthesizedSelect();
        }
        catch (SqlException exception) when (exception.SqlState == SqlState.SyntaxError)
        {
            _index = start;
            _depth = depth;
            _failedQueryStarts.Add(start);
            if (_furthestSyntaxError is null || (exception.Position ?? 0) > (_furthestSyntaxError.Position ?? 0)) _furthestSyntaxError = exception;
            return null;
        }
    }
}
