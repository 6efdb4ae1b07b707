using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>Queries as gram.y's SelectStmt: select_no_parens / select_with_parens, set operations (INTERSECT binds
/// tighter than UNION and EXCEPT, all associate to the left), and the ORDER BY / LIMIT / OFFSET / FOR UPDATE / WITH
/// that apply to the whole of a query (insertSelectOptions).</summary>
internal sealed partial class SqlParser
{
    private static bool StartsQuery(Token token) =>
        token.IsKeyword("select") || token.IsKeyword("values") || token.IsKeyword("with") || token.IsKeyword("table");

    /// <summary>Whether the '(' at the current token may open a select_with_parens: past the run of '(' comes a token that
    /// starts a query. When more than one '(' opens, it may still be an expression or a join that starts with a subquery.</summary>
    private bool IsParenthesizedQueryAhead()
    {
        int offset = 0;
        while (Peek(offset).IsOperator("(")) offset++;
        return offset > 0 && StartsQuery(Peek(offset));
    }

    /// <summary>A statement that is a query: [WITH ...] select_clause [ORDER BY ...] [LIMIT/OFFSET/FETCH] [FOR UPDATE],
    /// or a parenthesized query. A WITH clause already read by the caller is passed in.</summary>
    private SelectStmt ParseSelectStatement(WithClause? withClause = null)
    {
        bool counted = EnterStatementNesting();
        if (withClause is null && IsKeyword("with")) withClause = ParseWithClause();
        SelectStmt body = ParseSetOperations(ParseSelectPrimary());
        SelectStmt result = ParseSelectOptions(body, withClause);
        LeaveStatementNesting(counted);
        return result;
    }

    /// <summary>'(' query ')': returns the inner query itself, as gram.y's select_with_parens does.</summary>
    private SelectStmt ParseParenthesizedSelect()
    {
        ExpectOperator("(");
        EnterNesting();
        SelectStmt query = ParseSelectStatement();
        LeaveNesting();
        ExpectOperator(")");
        return query;
    }

    /// <summary>UNION and EXCEPT over INTERSECT terms, left-associative, starting from an already parsed first operand.</summary>
    private SelectStmt ParseSetOperations(SelectStmt first)
    {
        SelectStmt left = ParseIntersections(first);
        while (IsKeyword("union") || IsKeyword("except"))
        {
            Token op = Advance();
            bool all = ParseSetQuantifier();
            SelectStmt right = ParseIntersections(ParseSelectPrimary());
            left = new SelectStmt(op.Position) { Op = op.Text == "union" ? SetOperation.Union : SetOperation.Except, All = all, Larg = left, Rarg = right };
        }
        return left;
    }

    private SelectStmt ParseIntersections(SelectStmt first)
    {
        SelectStmt left = first;
        while (IsKeyword("intersect"))
        {
            Token op = Advance();
            bool all = ParseSetQuantifier();
            SelectStmt right = ParseSelectPrimary();
            left = new SelectStmt(op.Position) { Op = SetOperation.Intersect, All = all, Larg = left, Rarg = right };
        }
        return left;
    }

    private bool ParseSetQuantifier()
    {
        if (TryKeyword("all")) return true;
        TryKeyword("distinct");
        return false;
    }

    /// <summary>An operand of a set operation: SELECT ..., VALUES ..., TABLE name, or a parenthesized query.</summary>
    private SelectStmt ParseSelectPrimary()
    {
        Token token = Current;
        if (token.IsOperator("(")) return ParseParenthesizedSelect();
        if (token.IsKeyword("select")) return ParseSimpleSelect();
        if (token.IsKeyword("values")) return ParseValuesClause();
        if (token.IsKeyword("table"))
        {
            _index++;
            TryKeyword("only");
            RangeVar relation = ParseRangeVar(allowAlias: false);
            TryOperator("*");
            return new SelectStmt(token.Position)
            {
                TargetList = [new ResTarget(new ColumnRef([], Star: true, token.Position), null, token.Position)],
                From = [relation],
            };
        }
        throw SyntaxError();
    }

    /// <summary>VALUES (row), (row), ...: a leaf SelectStmt with ValuesLists. DEFAULT is kept (it is valid in INSERT).</summary>
    private SelectStmt ParseValuesClause()
    {
        Token values = ExpectKeyword("values");
        var rows = new List<IReadOnlyList<Expression>>();
        do
        {
            ExpectOperator("(");
            var row = new List<Expression>();
            do row.Add(IsKeyword("default") ? new SetToDefault(Advance().Position) : ParseExpression());
            while (TryOperator(","));
            ExpectOperator(")");
            rows.Add(row);
            if (rows.Count > SqlLimits.ValuesRowsMax)
            {
                throw new SqlException(SqlState.ProgramLimitExceeded, $"more than {SqlLimits.ValuesRowsMax} rows in VALUES");
            }
        }
        while (TryOperator(","));
        return new SelectStmt(values.Position) { ValuesLists = rows };
    }

    /// <summary>ORDER BY, LIMIT / OFFSET / FETCH and locking clauses after a select_clause, attached to it with the
    /// WITH clause; each may be given once over the parenthesized query it applies to (insertSelectOptions).</summary>
    private SelectStmt ParseSelectOptions(SelectStmt body, WithClause? withClause)
    {
        var sortClause = new List<SortBy>();
        if (TryKeyword("order"))
        {
            ExpectKeyword("by");
            do sortClause.Add(ParseSortBy());
            while (TryOperator(","));
        }
        Expression? limit = null;
        Expression? offset = null;
        var lockingClauses = new List<LockingClause>();
        while (true)
        {
            if (limit is null && IsKeyword("limit"))
            {
                Token limitToken = Advance();
                if (!TryKeyword("all")) limit = ParseExpression();
                else limit = new A_Const(ConstantKind.Null, null, -1);
                if (Current.IsOperator(","))
                {
                    throw new SqlException(SqlState.SyntaxError, "LIMIT #,# syntax is not supported", limitToken.Position + 1,
                        hint: "Use separate LIMIT and OFFSET clauses.");
                }
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
                if (IsKeyword("with")) throw NotSupported("FETCH ... WITH TIES", Current.Position);
                ExpectKeyword("only");
            }
            else if (IsKeyword("for"))
            {
                int clauseLocation = Current.Position;
                _index++;
                string strength;
                if (TryKeyword("update")) strength = "FOR UPDATE";
                else if (TryKeyword("no")) { ExpectKeyword("key"); ExpectKeyword("update"); strength = "FOR NO KEY UPDATE"; }
                else if (TryKeyword("share")) strength = "FOR SHARE";
                else if (TryKeyword("key")) { ExpectKeyword("share"); strength = "FOR KEY SHARE"; }
                else throw SyntaxError();
                var relations = new List<(string, int)>();
                if (TryKeyword("of"))
                {
                    do
                    {
                        RangeVar relation = ParseRangeVar(allowAlias: false);
                        relations.Add((relation.RelationName, relation.Location));
                    }
                    while (TryOperator(","));
                }
                if (TryKeyword("nowait")) { }
                else if (TryKeyword("skip")) ExpectKeyword("locked");
                lockingClauses.Add(new LockingClause(strength, relations, clauseLocation));
            }
            else
            {
                break;
            }
        }
        if (sortClause.Count > 0)
        {
            if (body.SortClause.Count > 0) throw MultipleClauses("ORDER BY", sortClause[0].Location);
            body = body with { SortClause = sortClause };
        }
        if (offset is not null)
        {
            if (body.Offset is not null) throw MultipleClauses("OFFSET", offset.Location);
            body = body with { Offset = offset };
        }
        if (limit is not null)
        {
            if (body.Limit is not null) throw MultipleClauses("LIMIT", limit.Location);
            body = body with { Limit = limit };
        }
        if (lockingClauses.Count > 0) body = body with { ForUpdate = true, LockingClauses = lockingClauses };
        if (withClause is not null)
        {
            if (body.With is not null) throw MultipleClauses("WITH", withClause.Location);
            body = body with { With = withClause };
        }
        return body;
    }

    private static SqlException MultipleClauses(string clause, int location) =>
        new(SqlState.SyntaxError, $"multiple {clause} clauses not allowed", location >= 0 ? location + 1 : null);

    /// <summary>simple_select's SELECT form: target list, FROM, WHERE, GROUP BY, HAVING, WINDOW (no ORDER BY or LIMIT:
    /// those belong to the enclosing query).</summary>
    private SelectStmt ParseSimpleSelect()
    {
        Token selectToken = ExpectKeyword("select");
        bool distinct = false;
        List<Expression>? distinctOn = null;
        if (TryKeyword("distinct"))
        {
            if (TryKeyword("on"))
            {
                ExpectOperator("(");
                distinctOn = ParseExpressionList();
                ExpectOperator(")");
            }
            else
            {
                distinct = true;
            }
        }
        else
        {
            TryKeyword("all");
        }
        // "select;" and "select from t" have an empty target list in PostgreSQL.
        List<ResTarget> targets = IsSelectListEnd() ? [] : ParseTargetList();
        if (IsKeyword("into")) ParseSelectInto();

        List<FromItem> from = TryKeyword("from") ? ParseFromList() : [];
        Expression? where = TryKeyword("where") ? ParseExpression() : null;
        var groupBy = new List<Expression>();
        if (TryKeyword("group"))
        {
            ExpectKeyword("by");
            if (IsKeyword("distinct")) throw NotSupported("GROUP BY DISTINCT", Current.Position);
            TryKeyword("all");
            do groupBy.Add(ParseGroupByItem());
            while (TryOperator(","));
        }
        Expression? having = TryKeyword("having") ? ParseExpression() : null;
        var windows = new List<WindowDef>();
        if (TryKeyword("window"))
        {
            do
            {
                (string name, int location) = ExpectColumnIdentifier();
                ExpectKeyword("as");
                windows.Add(ParseWindowSpecification(name, location));
            }
            while (TryOperator(","));
        }
        return new SelectStmt(selectToken.Position)
        {
            TargetList = targets,
            Distinct = distinct,
            DistinctOn = distinctOn,
            From = from,
            Where = where,
            GroupBy = groupBy,
            Having = having,
            WindowClause = windows,
        };
    }

    private bool IsSelectListEnd() =>
        Current.Kind == TokenKind.EndOfInput || Current.IsOperator(";") || Current.IsOperator(")") || IsKeyword("from") || IsKeyword("where")
        || IsKeyword("order") || IsKeyword("limit") || IsKeyword("group") || IsKeyword("having") || IsKeyword("offset") || IsKeyword("window")
        || IsKeyword("union") || IsKeyword("intersect") || IsKeyword("except") || IsKeyword("fetch") || IsKeyword("for") || IsKeyword("into");

    private List<Expression> ParseExpressionList()
    {
        var list = new List<Expression>();
        do list.Add(ParseExpression());
        while (TryOperator(","));
        return list;
    }

    /// <summary>A GROUP BY item: an expression, (), ROLLUP (...), CUBE (...) or GROUPING SETS (...). Inside those, a
    /// parenthesized list (a, b) is a Simple grouping set rather than a row (parse analysis does this in PostgreSQL).</summary>
    private Expression ParseGroupByItem()
    {
        Token token = Current;
        if (token.IsOperator("(") && Peek().IsOperator(")"))
        {
            _index += 2;
            return new GroupingSet(GroupingSetKind.Empty, [], token.Position);
        }
        if ((token.IsKeyword("rollup") || token.IsKeyword("cube")) && Peek().IsOperator("("))
        {
            _index += 2;
            var content = new List<Expression>();
            do content.Add(AsSimpleGroupingSet(ParseExpression()));
            while (TryOperator(","));
            ExpectOperator(")");
            return new GroupingSet(token.Text == "rollup" ? GroupingSetKind.Rollup : GroupingSetKind.Cube, content, token.Position);
        }
        if (token.IsKeyword("grouping") && Peek().IsKeyword("sets"))
        {
            _index += 2;
            ExpectOperator("(");
            EnterNesting();
            var content = new List<Expression>();
            do content.Add(AsSimpleGroupingSet(ParseGroupByItem()));
            while (TryOperator(","));
            LeaveNesting();
            ExpectOperator(")");
            return new GroupingSet(GroupingSetKind.Sets, content, token.Position);
        }
        return ParseExpression();
    }

    private static Expression AsSimpleGroupingSet(Expression item) =>
        item is RowExpr { ExplicitRow: false } row ? new GroupingSet(GroupingSetKind.Simple, row.Arguments, row.Location) : item;

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

    private List<SortBy> ParseSortList()
    {
        var list = new List<SortBy>();
        do list.Add(ParseSortBy());
        while (TryOperator(","));
        return list;
    }

    /// <summary>WITH [RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] (statement), ...</summary>
    private WithClause ParseWithClause()
    {
        Token withToken = ExpectKeyword("with");
        bool recursive = TryKeyword("recursive");
        var ctes = new List<CommonTableExpr>();
        do
        {
            (string name, int location) = ExpectColumnIdentifier();
            List<string>? columns = Current.IsOperator("(") ? ParseNameList() : null;
            ExpectKeyword("as");
            bool? materialized = null;
            if (TryKeyword("materialized"))
            {
                materialized = true;
            }
            else if (IsKeyword("not") && Peek().IsKeyword("materialized"))
            {
                _index += 2;
                materialized = false;
            }
            ExpectOperator("(");
            Statement query = ParsePreparableStatement();
            ExpectOperator(")");
            if (IsKeyword("search") || IsKeyword("cycle")) throw NotSupported(Current.Text.ToUpperInvariant() + " clauses of WITH", Current.Position);
            ctes.Add(new CommonTableExpr(name, columns, query, materialized, location));
        }
        while (TryOperator(","));
        return new WithClause(ctes, recursive, withToken.Position);
    }

    /// <summary>'(' name, ... ')' of column names.</summary>
    private List<string> ParseNameList()
    {
        ExpectOperator("(");
        var names = new List<string>();
        do names.Add(ExpectColumnIdentifier().Name);
        while (TryOperator(","));
        ExpectOperator(")");
        return names;
    }

    /// <summary>gram.y's PreparableStmt: a query, INSERT, UPDATE or DELETE, each with an optional WITH in front.</summary>
    private Statement ParsePreparableStatement()
    {
        bool counted = EnterStatementNesting();
        WithClause? withClause = IsKeyword("with") ? ParseWithClause() : null;
        Statement statement;
        if (IsKeyword("insert")) statement = ParseInsert() with { With = withClause };
        else if (IsKeyword("update")) statement = ParseUpdate() with { With = withClause };
        else if (IsKeyword("delete")) statement = ParseDelete() with { With = withClause };
        else statement = ParseSelectStatement(withClause);
        LeaveStatementNesting(counted);
        return statement;
    }

    /// <summary>SELECT ... INTO [TABLE] name: the statement becomes CREATE TABLE name AS (the select without INTO) once
    /// it is parsed (<see cref="ParseStatement"/>); anywhere but the outermost SELECT it is an error, as in PostgreSQL.</summary>
    private void ParseSelectInto()
    {
        Token into = ExpectKeyword("into");
        if (_selectInto is not null || _depth > 0) throw new SqlException(SqlState.SyntaxError, "SELECT ... INTO is not allowed here", into.Position + 1);
        if (IsKeyword("temp") || IsKeyword("temporary") || IsKeyword("unlogged"))
        {
            throw NotSupported("SELECT INTO " + Current.Text.ToUpperInvariant(), Current.Position);
        }
        TryKeyword("table");
        _selectInto = (ParseRangeVar(allowAlias: false), into.Position);
    }
}
