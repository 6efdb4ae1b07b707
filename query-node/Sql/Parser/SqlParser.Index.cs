using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>CREATE INDEX, DROP INDEX, and the UNIQUE and CHECK constraints of CREATE TABLE.</summary>
internal sealed partial class SqlParser
{
    /// <summary>Parses the SQL text of one expression as the catalog stores it (a CHECK, an index key expression or
    /// predicate).</summary>
    public static Expression ParseExpressionText(string text)
    {
        var parser = new SqlParser(text, SqlLexer.Tokenize(text, notices: null));
        Expression expression = parser.ParseExpression();
        if (parser.Current.Kind != TokenKind.EndOfInput) throw parser.SyntaxError();
        return expression;
    }

    /// <summary>The source text of the tokens from <paramref name="startToken"/> up to the current one.</summary>
    private string SourceTextFrom(int startToken)
    {
        Token first = _tokens[startToken];
        Token last = _tokens[_index - 1];
        return _text[first.Position..(last.Position + last.Length)];
    }

    /// <summary>After CREATE: [UNIQUE] INDEX ...</summary>
    private IndexStmt ParseCreateIndex(int location)
    {
        bool unique = TryKeyword("unique");
        ExpectKeyword("index");
        bool isAsync = TryKeyword("async");
        if (IsKeyword("concurrently")) throw NotSupported("CREATE INDEX CONCURRENTLY", Current.Position);
        bool ifNotExists = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("not");
            ExpectKeyword("exists");
            ifNotExists = true;
        }
        string? name = IsKeyword("on") ? null : ExpectColumnIdentifier().Name;
        if (ifNotExists && name is null) throw SyntaxError();
        ExpectKeyword("on");
        TryKeyword("only");
        RangeVar relation = ParseRangeVar(allowAlias: false);
        if (TryKeyword("using"))
        {
            Token method = Current;
            string methodName = ExpectColumnIdentifier().Name;
            if (methodName != "btree") throw NotSupported($"access method \"{methodName}\"", method.Position);
        }
        ExpectOperator("(");
        var keys = new List<IndexElem>();
        do keys.Add(ParseIndexElem());
        while (TryOperator(","));
        ExpectOperator(")");
        var include = new List<(string, int)>();
        if (TryKeyword("include"))
        {
            ExpectOperator("(");
            do include.Add(ExpectColumnIdentifier());
            while (TryOperator(","));
            ExpectOperator(")");
        }
        bool nullsNotDistinct = ParseNullsDistinct();
        if (IsKeyword("with") || IsKeyword("tablespace")) throw NotSupported("CREATE INDEX ... " + Current.Text.ToUpperInvariant(), Current.Position);
        Expression? where = null;
        string? whereText = null;
        if (TryKeyword("where"))
        {
            int start = _index;
            where = ParseExpression();
            whereText = SourceTextFrom(start);
        }
        return new IndexStmt(name, relation, unique, isAsync, ifNotExists, keys, include, nullsNotDistinct, where, whereText, location);
    }

    private IndexElem ParseIndexElem()
    {
        Token first = Current;
        string? column = null;
        Expression? expression = null;
        string? expressionText = null;
        if (Current.IsOperator("("))
        {
            _index++;
            int start = _index;
            expression = ParseExpression();
            expressionText = SourceTextFrom(start);
            ExpectOperator(")");
        }
        else if (Peek().IsOperator("("))
        {
            // A function call is an expression without its own parentheses (CREATE INDEX ON t (lower(name))).
            int start = _index;
            expression = ParseExpressionAtAdditiveLevel();
            expressionText = SourceTextFrom(start);
        }
        else
        {
            column = ExpectColumnIdentifier().Name;
        }
        if (IsKeyword("collate")) throw NotSupported("COLLATE in an index", Current.Position);
        string? operatorClass = null;
        if (Current.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier && !IsKeyword("asc") && !IsKeyword("desc") && !IsKeyword("nulls"))
        {
            // [schema.]opclass: the schema can only be pg_catalog, where every operator class Log knows lives.
            operatorClass = ExpectColumnIdentifier().Name;
            if (TryOperator(".")) operatorClass = ExpectColumnIdentifier().Name;
        }
        bool descending = false;
        if (TryKeyword("desc")) descending = true;
        else TryKeyword("asc");
        bool? nullsFirst = null;
        if (TryKeyword("nulls"))
        {
            if (TryKeyword("first")) nullsFirst = true;
            else
            {
                ExpectKeyword("last");
                nullsFirst = false;
            }
        }
        return new IndexElem(column, expression, expressionText, descending, nullsFirst, first.Position) { OperatorClass = operatorClass };
    }

    /// <summary>[NULLS [NOT] DISTINCT] after UNIQUE or an index's columns; true for NOT DISTINCT.</summary>
    private bool ParseNullsDistinct()
    {
        if (!IsKeyword("nulls") || !(Peek().IsKeyword("distinct") || Peek().IsKeyword("not"))) return false;
        _index++;
        bool notDistinct = TryKeyword("not");
        ExpectKeyword("distinct");
        return notDistinct;
    }

    /// <summary>After DROP: INDEX [IF EXISTS] names.</summary>
    private DropIndexStmt ParseDropIndex(int location)
    {
        ExpectKeyword("index");
        if (IsKeyword("concurrently")) throw NotSupported("DROP INDEX CONCURRENTLY", Current.Position);
        bool missingOk = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("exists");
            missingOk = true;
        }
        var indexes = new List<RangeVar>();
        do indexes.Add(ParseRangeVar(allowAlias: false));
        while (TryOperator(","));
        if (IsKeyword("cascade")) throw NotSupported("DROP INDEX ... CASCADE", Current.Position);
        TryKeyword("restrict");
        return new DropIndexStmt(indexes, missingOk, location);
    }

    /// <summary>UNIQUE [NULLS [NOT] DISTINCT] [(columns)] or CHECK (expression), the keyword being current. A column
    /// constraint names its column; a table constraint lists its columns.</summary>
    private TableConstraint ParseUniqueOrCheck(string? name, (string Name, int Location)? column)
    {
        Token keyword = Current;
        if (TryKeyword("check"))
        {
            ExpectOperator("(");
            int start = _index;
            Expression check = ParseExpression();
            string text = SourceTextFrom(start);
            ExpectOperator(")");
            if (IsKeyword("no") && Peek().IsKeyword("inherit")) throw NotSupported("CHECK ... NO INHERIT", Current.Position);
            if (column is null && AtConstraintAttribute())
            {
                throw new SqlException(SqlState.FeatureNotSupported, "CHECK constraints cannot be marked DEFERRABLE");
            }
            return new TableConstraint(name, TableConstraintKind.Check, column is { } self ? [self] : [], column is not null, false, check, text, keyword.Position);
        }
        ExpectKeyword("unique");
        bool nullsNotDistinct = ParseNullsDistinct();
        var columns = new List<(string, int)>();
        if (column is { } own)
        {
            columns.Add(own);
        }
        else
        {
            ExpectOperator("(");
            do columns.Add(ExpectColumnIdentifier());
            while (TryOperator(","));
            ExpectOperator(")");
        }
        if (IsKeyword("include") || IsKeyword("with") || IsKeyword("using")) throw NotSupported("UNIQUE ... " + Current.Text.ToUpperInvariant(), Current.Position);
        return new TableConstraint(name, TableConstraintKind.Unique, columns, column is not null, nullsNotDistinct, null, null, keyword.Position)
        {
            Deferral = ParseConstraintDeferral(),
        };
    }
}
