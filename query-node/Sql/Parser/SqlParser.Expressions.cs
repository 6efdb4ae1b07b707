using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>Expressions, by PostgreSQL's precedence (lowest first): OR, AND, NOT, IS, comparison, IN/BETWEEN/LIKE/SIMILAR,
/// other operators (|| ~ -> @> ... and prefix ones), + -, * / %, ^, AT TIME ZONE, unary minus, [ ] subscripts, ::.</summary>
internal sealed partial class SqlParser
{
    private Expression ParseExpression()
    {
        EnterNesting();
        Expression result = ParseOr();
        LeaveNesting();
        return result;
    }

    private Expression ParseOr()
    {
        Expression left = ParseAnd();
        if (!IsKeyword("or")) return left;
        var arguments = new List<Expression> { left };
        int location = Current.Position;
        while (TryKeyword("or")) arguments.Add(ParseAnd());
        return new BoolExpr(BoolExprKind.Or, arguments, location);
    }

    private Expression ParseAnd()
    {
        Expression left = ParseNot();
        if (!IsKeyword("and")) return left;
        var arguments = new List<Expression> { left };
        int location = Current.Position;
        while (TryKeyword("and")) arguments.Add(ParseNot());
        return new BoolExpr(BoolExprKind.And, arguments, location);
    }

    private Expression ParseNot()
    {
        if (IsKeyword("not"))
        {
            int location = Advance().Position;
            EnterNesting();
            Expression operand = ParseNot();
            LeaveNesting();
            return new BoolExpr(BoolExprKind.Not, [operand], location);
        }
        return ParseIs();
    }

    private Expression ParseIs()
    {
        Expression left = ParseComparison();
        while (true)
        {
            Token token = Current;
            if (TryKeyword("isnull"))
            {
                left = new NullTest(left, IsNot: false, token.Position);
            }
            else if (TryKeyword("notnull"))
            {
                left = new NullTest(left, IsNot: true, token.Position);
            }
            else if (TryKeyword("is"))
            {
                bool isNot = TryKeyword("not");
                if (TryKeyword("null")) left = new NullTest(left, isNot, token.Position);
                else if (TryKeyword("true")) left = new BooleanTest(left, true, isNot, token.Position);
                else if (TryKeyword("false")) left = new BooleanTest(left, false, isNot, token.Position);
                else if (TryKeyword("unknown")) left = new BooleanTest(left, null, isNot, token.Position);
                else if (TryKeyword("distinct"))
                {
                    ExpectKeyword("from");
                    Expression right = ParseComparison();
                    left = new A_Expr(isNot ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM", left, right, token.Position);
                }
                else throw SyntaxError();
            }
            else
            {
                return left;
            }
        }
    }

    private static bool IsComparisonOperator(Token token) =>
        token.Kind == TokenKind.Operator && token.Text is "=" or "<" or ">" or "<=" or ">=" or "<>";

    private Expression ParseComparison()
    {
        Expression left = ParseInBetweenLike();
        if (IsComparisonOperator(Current))
        {
            Token op = Advance();
            left = ParseBinaryRight(op, left, ParseInBetweenLike);
        }
        return left;
    }

    /// <summary>The right side of a binary operator: an operand, or ANY / SOME / ALL (subquery or array), which makes a
    /// SubLink or an A_ArrayOpExpr (gram.y's subquery_Op sub_type).</summary>
    private Expression ParseBinaryRight(Token op, Expression left, Func<Expression> parseOperand, string? operatorName = null)
    {
        operatorName ??= op.Text;
        if ((IsKeyword("any") || IsKeyword("some") || IsKeyword("all")) && Peek().IsOperator("("))
        {
            bool all = Advance().Text == "all";
            SelectStmt? subquery = TryParseParenthesizedQuery();
            if (subquery is not null)
            {
                return new SubLink(all ? SubLinkType.All : SubLinkType.Any, left, operatorName, subquery, op.Position);
            }
            ExpectOperator("(");
            Expression array = ParseExpression();
            ExpectOperator(")");
            return new A_ArrayOpExpr(operatorName, left, array, all, op.Position);
        }
        return new A_Expr(operatorName, left, parseOperand(), op.Position);
    }

    /// <summary>A select_with_parens at the current '(' when there is one: a '(' directly followed by a query is one;
    /// a '(' opening more parentheses is tried as one and put back (null) when it is not.</summary>
    private SelectStmt? TryParseParenthesizedQuery()
    {
        if (!IsParenthesizedQueryAhead()) return null;
        if (StartsQuery(Peek())) return ParseParenthesizedSelect();
        return TryParseAmbiguousParenthesizedSelect();
    }

    /// <summary>IN, BETWEEN, LIKE, ILIKE and SIMILAR TO do not associate (gram.y's %nonassoc): after one of them,
    /// another one is the syntax error, even where it could be read as a bare column label.</summary>
    private Expression ParseInBetweenLike()
    {
        Expression result = ParseInBetweenLikeOnce(out bool matched);
        if (matched && IsInBetweenLikeKeyword(Current, Peek())) throw SyntaxError();
        return result;
    }

    private static bool IsInBetweenLikeKeyword(Token token, Token next) =>
        token.Kind == TokenKind.Identifier && (token.Text is "in" or "between" or "like" or "ilike" or "similar"
            || (token.Text == "not" && next.Kind == TokenKind.Identifier && next.Text is "in" or "between" or "like" or "ilike" or "similar"));

    private Expression ParseInBetweenLikeOnce(out bool matched)
    {
        matched = true;
        Expression left = ParseOtherOperator();
        Token token = Current;
        bool isNot = false;
        if (token.IsKeyword("not") && Peek().Kind == TokenKind.Identifier && Peek().Text is "in" or "between" or "like" or "ilike" or "similar")
        {
            _index++;
            isNot = true;
        }
        Token keyword = Current;
        if (TryKeyword("in"))
        {
            SelectStmt? subquery = TryParseParenthesizedQuery();
            if (subquery is not null)
            {
                // x IN (subquery) is x = ANY (subquery); NOT IN puts a NOT on top, both at the NOT (gram.y).
                int location = isNot ? token.Position : keyword.Position;
                var any = new SubLink(SubLinkType.Any, left, "=", subquery, location);
                return isNot ? new BoolExpr(BoolExprKind.Not, [any], location) : any;
            }
            ExpectOperator("(");
            List<Expression> list = ParseExpressionList();
            ExpectOperator(")");
            return new InExpr(left, list, isNot, keyword.Position);
        }
        if (TryKeyword("between"))
        {
            bool symmetric = TryKeyword("symmetric");
            if (!symmetric) TryKeyword("asymmetric");
            Expression low = ParseOtherOperator();
            ExpectKeyword("and");
            Expression high = ParseOtherOperator();
            if (!symmetric) return new BetweenExpr(left, low, high, isNot, keyword.Position);
            // BETWEEN SYMMETRIC is either order of the bounds (what PostgreSQL's transformAExprBetween expands it to).
            var forward = new BetweenExpr(left, low, high, isNot, keyword.Position);
            var backward = new BetweenExpr(left, high, low, isNot, keyword.Position);
            return new BoolExpr(isNot ? BoolExprKind.And : BoolExprKind.Or, [forward, backward], keyword.Position);
        }
        if (IsKeyword("like") || IsKeyword("ilike"))
        {
            bool caseInsensitive = Advance().Text == "ilike";
            if ((IsKeyword("any") || IsKeyword("some") || IsKeyword("all")) && Peek().IsOperator("("))
            {
                // x LIKE ANY (...) uses the operator behind LIKE: ~~, !~~, ~~*, !~~*.
                string operatorName = (isNot ? "!" : "") + "~~" + (caseInsensitive ? "*" : "");
                return ParseBinaryRight(keyword, left, ParseOtherOperator, operatorName);
            }
            Expression pattern = ParseOtherOperator();
            Expression? escape = TryKeyword("escape") ? ParseOtherOperator() : null;
            return new LikeExpr(left, pattern, isNot, caseInsensitive, keyword.Position) { Escape = escape };
        }
        if (IsKeyword("similar") && Peek().IsKeyword("to"))
        {
            _index += 2;
            Expression pattern = ParseOtherOperator();
            Expression? escape = TryKeyword("escape") ? ParseOtherOperator() : null;
            return new SimilarToExpr(left, pattern, escape, isNot, keyword.Position);
        }
        if (isNot) _index--;
        matched = false;
        return left;
    }

    private static bool IsOtherOperator(Token token) =>
        token.Kind == TokenKind.Operator && token.Text is not ("+" or "-" or "*" or "/" or "%" or "^" or "=" or "<" or ">"
            or "<=" or ">=" or "<>" or "(" or ")" or "," or ";" or "." or "[" or "]" or "::" or ":");

    private Expression ParseOtherOperator()
    {
        Expression left = ParseAdditive();
        while (IsOtherOperator(Current) || IsQualifiedOperator())
        {
            Token op = Current;
            string name = IsQualifiedOperator() ? ParseQualifiedOperator() : Advance().Text;
            left = ParseBinaryRight(op, left, ParseAdditive, name);
        }
        return left;
    }

    private Expression ParseExpressionAtAdditiveLevel() => ParseAdditive();

    private Expression ParseAdditive()
    {
        Expression left = ParseMultiplicative();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            Token op = Advance();
            left = ParseBinaryRight(op, left, ParseMultiplicative);
        }
        return left;
    }

    private Expression ParseMultiplicative()
    {
        Expression left = ParseExponent();
        while (Current.IsOperator("*") || Current.IsOperator("/") || Current.IsOperator("%"))
        {
            Token op = Advance();
            left = ParseBinaryRight(op, left, ParseExponent);
        }
        return left;
    }

    private Expression ParseExponent()
    {
        Expression left = ParseAtTimeZone();
        while (Current.IsOperator("^"))
        {
            Token op = Advance();
            left = ParseBinaryRight(op, left, ParseAtTimeZone);
        }
        return left;
    }

    /// <summary>x AT TIME ZONE z, which binds tighter than ^ and looser than unary minus; it is timezone(z, x).</summary>
    private Expression ParseAtTimeZone()
    {
        Expression left = ParseUnary();
        while (IsKeyword("at") && Peek().IsKeyword("time") && Peek(2).IsKeyword("zone"))
        {
            Token at = Current;
            _index += 3;
            Expression zone = ParseUnary();
            left = new FuncCall("timezone", [zone, left], Star: false, Distinct: false, at.Position);
        }
        return left;
    }

    private Expression ParseUnary()
    {
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            Token op = Advance();
            EnterNesting();
            Expression operand = ParseUnary();
            LeaveNesting();
            // PostgreSQL folds a minus into a numeric literal (doNegate), so -2147483648 is an int4 constant.
            if (op.Text == "-" && operand is A_Const { Kind: ConstantKind.Integer or ConstantKind.Decimal } constant && constant.Text![0] != '-')
            {
                return constant with { Text = "-" + constant.Text, Location = op.Position };
            }
            return new A_Expr(op.Text, null, operand, op.Position);
        }
        if (IsOtherOperator(Current) || IsQualifiedOperator())
        {
            // A prefix operator (~ x, @ x, |/ x, OPERATOR(pg_catalog.-) x) has the precedence of other operators: it
            // takes everything tighter.
            Token op = Current;
            string name = IsQualifiedOperator() ? ParseQualifiedOperator() : Advance().Text;
            EnterNesting();
            Expression operand = ParseAdditive();
            LeaveNesting();
            return new A_Expr(name, null, operand, op.Position);
        }
        return ParsePostfix();
    }

    private Expression ParsePostfix()
    {
        Expression expression = ParsePrimary();
        while (true)
        {
            if (Current.IsOperator("::"))
            {
                Token op = Advance();
                expression = new TypeCast(expression, ParseTypeName(), op.Position);
            }
            else if (Current.IsOperator("["))
            {
                // Only a column, a parameter or a parenthesized expression takes subscripts (gram.y's opt_indirection).
                throw SyntaxError();
            }
            else if (IsKeyword("collate"))
            {
                ParseCollateClause();
            }
            else
            {
                return expression;
            }
        }
    }

    /// <summary>gram.y's opt_indirection after a column, parameter, parenthesized expression or subquery: subscripts
    /// ([subscript] or [lower:upper], a plain subscript kept in Upper as PostgreSQL's A_Indices keeps it in uidx) and
    /// field selections (.field, or .* last).</summary>
    private Expression ParseOptionalIndirection(Expression argument)
    {
        Expression expression = argument;
        while (true)
        {
            if (Current.IsOperator("["))
            {
                expression = ParseSubscripts(expression, argument.Location);
            }
            else if (Current.IsOperator(".") && Peek().IsOperator("*"))
            {
                _index += 2;
                expression = new FieldIndirection(expression, null, argument.Location);
                if (Current.IsOperator("[") || Current.IsOperator("."))
                {
                    throw new SqlException(SqlState.SyntaxError, "improper use of \"*\"", Current.Position + 1);
                }
                return expression;
            }
            else if (Current.IsOperator(".") && Peek().Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier)
            {
                _index++;
                expression = new FieldIndirection(expression, Advance().Text, argument.Location);
            }
            else
            {
                return expression;
            }
        }
    }

    private A_Indirection ParseSubscripts(Expression argument, int location)
    {
        var indirection = new List<A_Indices>();
        while (TryOperator("["))
        {
            Expression? lower = Current.IsOperator(":") ? null : ParseExpression();
            if (TryOperator(":"))
            {
                Expression? upper = Current.IsOperator("]") ? null : ParseExpression();
                indirection.Add(new A_Indices(true, lower, upper));
            }
            else
            {
                indirection.Add(new A_Indices(false, null, lower));
            }
            ExpectOperator("]");
        }
        return new A_Indirection(argument, indirection, location);
    }

    private Expression ParsePrimary()
    {
        Token token = Current;
        switch (token.Kind)
        {
            case TokenKind.Integer:
                _index++;
                return new A_Const(ConstantKind.Integer, token.Text, token.Position);
            case TokenKind.Decimal:
                _index++;
                return new A_Const(ConstantKind.Decimal, token.Text, token.Position);
            case TokenKind.String:
                _index++;
                return new A_Const(ConstantKind.String, token.Text, token.Position);
            case TokenKind.Parameter:
                _index++;
                if (!int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number == 0)
                {
                    throw new SqlException(EngineSqlState.UndefinedParameter, $"there is no parameter ${token.Text}", token.Position + 1);
                }
                return ParseOptionalIndirection(new ParamRef(number, token.Position));
            case TokenKind.Operator when token.Text == "(":
                SelectStmt? subquery = TryParseParenthesizedQuery();
                if (subquery is not null) return ParseOptionalIndirection(new SubLink(SubLinkType.Expr, null, null, subquery, token.Position));
                return ParseParenthesizedExpressionOrRow();
            case TokenKind.QuotedIdentifier:
                return ParseColumnReferenceOrFunction();
            case TokenKind.Identifier:
                return ParseKeywordOrName(token);
            default:
                throw SyntaxError();
        }
    }

    /// <summary>'(' expression ')' [subscripts], or '(' a, b, ... ')': an implicit row constructor.</summary>
    private Expression ParseParenthesizedExpressionOrRow()
    {
        Token open = ExpectOperator("(");
        Expression inner = ParseExpression();
        if (Current.IsOperator(","))
        {
            var items = new List<Expression> { inner };
            while (TryOperator(",")) items.Add(ParseExpression());
            ExpectOperator(")");
            return new RowExpr(items, ExplicitRow: false, open.Position);
        }
        ExpectOperator(")");
        return ParseOptionalIndirection(inner);
    }

    private Expression ParseKeywordOrName(Token token)
    {
        switch (token.Text)
        {
            case "null":
                _index++;
                return new A_Const(ConstantKind.Null, null, token.Position);
            case "true":
            case "false":
                _index++;
                return new A_Const(ConstantKind.Boolean, token.Text, token.Position);
            case "case":
                return ParseCase();
            case "cast":
                _index++;
                ExpectOperator("(");
                Expression argument = ParseExpression();
                ExpectKeyword("as");
                TypeName typeName = ParseTypeName();
                ExpectOperator(")");
                return new TypeCast(argument, typeName, token.Position);
            case "exists":
                _index++;
                return new SubLink(SubLinkType.Exists, null, null, ParseParenthesizedSelect(), token.Position);
            case "array":
                _index++;
                if (Current.IsOperator("[")) return ParseArrayBrackets(token.Position);
                if (!Current.IsOperator("(")) throw SyntaxError();
                return new SubLink(SubLinkType.Array, null, null, ParseParenthesizedSelect(), token.Position);
            case "row" when Peek().IsOperator("("):
                _index += 2;
                List<Expression> fields = Current.IsOperator(")") ? [] : ParseExpressionList();
                ExpectOperator(")");
                return new RowExpr(fields, ExplicitRow: true, token.Position);
            case "current_date":
                _index++;
                return new FuncCall(token.Text, [], Star: false, Distinct: false, token.Position);
            case "current_timestamp":
            case "localtimestamp":
            case "current_time":
            case "localtime":
                _index++;
                // current_timestamp(p): the precision is the call's one argument.
                if (!TryOperator("(")) return new FuncCall(token.Text, [], Star: false, Distinct: false, token.Position);
                Token precision = Current;
                if (precision.Kind != TokenKind.Integer) throw SyntaxError();
                _index++;
                ExpectOperator(")");
                return new FuncCall(token.Text, [new A_Const(ConstantKind.Integer, precision.Text, precision.Position)], Star: false, Distinct: false, token.Position);
            case "current_user":
            case "session_user":
            case "user":
            case "current_role":
            case "current_catalog":
            case "current_schema":
                _index++;
                // gram.y also takes current_schema() as an ordinary function call.
                if (token.Text == "current_schema" && Current.IsOperator("(") && Peek().IsOperator(")")) _index += 2;
                return new FuncCall(token.Text, [], Star: false, Distinct: false, token.Position);
        }
        if (Keywords.IsReserved(token.Text)) throw SyntaxError();
        if (Peek().IsOperator("("))
        {
            Expression? special = ParseSpecialFunction(token);
            if (special is not null) return special;
        }
        Expression? typedLiteral = TryParseTypedLiteral(token);
        if (typedLiteral is not null) return typedLiteral;
        return ParseColumnReferenceOrFunction();
    }

    /// <summary>A typed literal: type 'string' (int '42', interval '1 day', timestamp with time zone '...',
    /// double precision '1.5').</summary>
    private Expression? TryParseTypedLiteral(Token token)
    {
        bool multiWordType = token.Text is "double" or "character" or "char" or "nchar" or "national" or "timestamp" or "time" or "interval"
            or "varchar" or "numeric" or "decimal" or "bit";
        if (Peek().Kind != TokenKind.String && !multiWordType) return null;
        int start = _index;
        int depth = _depth;
        TypeName typeName;
        try
        {
            typeName = ParseTypeName();
        }
        catch (SqlException exception) when (exception.SqlState is SqlState.SyntaxError or SqlState.FeatureNotSupported && multiWordType)
        {
            _index = start;
            _depth = depth;
            return null;
        }
        Token literal = Current;
        if (literal.Kind != TokenKind.String)
        {
            _index = start;
            return null;
        }
        _index++;
        if (typeName.Name == "interval" && Current.Kind == TokenKind.Identifier && Current.Text is "year" or "month" or "day" or "hour" or "minute" or "second")
        {
            throw NotSupported("interval field qualifiers", Current.Position);
        }
        return new TypeCast(new A_Const(ConstantKind.String, literal.Text, literal.Position), typeName, token.Position);
    }

    /// <summary>ARRAY[...] (or a nested [...] inside one): elements, or bracketed sub-arrays for more dimensions.</summary>
    private A_ArrayExpr ParseArrayBrackets(int location)
    {
        ExpectOperator("[");
        EnterNesting();
        var elements = new List<Expression>();
        if (!Current.IsOperator("]"))
        {
            if (Current.IsOperator("["))
            {
                do elements.Add(ParseArrayBrackets(Current.Position));
                while (TryOperator(","));
            }
            else
            {
                elements = ParseExpressionList();
            }
        }
        ExpectOperator("]");
        LeaveNesting();
        return new A_ArrayExpr(elements, location);
    }

    private Expression ParseCase()
    {
        Token caseToken = ExpectKeyword("case");
        Expression? argument = IsKeyword("when") ? null : ParseExpression();
        var whens = new List<CaseWhen>();
        while (TryKeyword("when"))
        {
            Expression condition = ParseExpression();
            ExpectKeyword("then");
            whens.Add(new CaseWhen(condition, ParseExpression()));
        }
        if (whens.Count == 0) throw SyntaxError();
        Expression? elseResult = TryKeyword("else") ? ParseExpression() : null;
        ExpectKeyword("end");
        return new CaseExpr(argument, whens, elseResult, caseToken.Position);
    }

    private TypeName ParseTimestampWithPrecision(Token start, string name)
    {
        ExpectOperator("(");
        int precision = int.Parse(Advance().Text, CultureInfo.InvariantCulture);
        ExpectOperator(")");
        if (IsKeyword("with") || IsKeyword("without"))
        {
            bool withZone = Advance().Text == "with";
            ExpectKeyword("time");
            ExpectKeyword("zone");
            if (withZone) name += "tz";
        }
        return ParseArrayBounds(new TypeName(name, [precision], start.Position));
    }

    /// <summary>A type name, normalised to PostgreSQL's internal names for the multi-word SQL spellings
    /// (double precision -> float8, character varying -> varchar, decimal -> numeric, ...). An array type
    /// (int[], int[3], int ARRAY) is the element type's name with "[]" appended.</summary>
    private TypeName ParseTypeName()
    {
        Token start = Current;
        if (start.Kind is not (TokenKind.Identifier or TokenKind.QuotedIdentifier)) throw SyntaxError();
        _index++;
        string name = start.Text;
        if (start.Kind == TokenKind.Identifier)
        {
            switch (name)
            {
                case "double":
                    ExpectKeyword("precision");
                    name = "float8";
                    break;
                case "character":
                case "char":
                case "nchar":
                    name = TryKeyword("varying") ? "varchar" : "bpchar";
                    break;
                case "national":
                    if (!TryKeyword("character")) ExpectKeyword("char");
                    name = TryKeyword("varying") ? "varchar" : "bpchar";
                    break;
                case "pg_catalog":
                    ExpectOperator(".");
                    name = ExpectColumnLabel();
                    break;
                case "timestamp":
                case "time":
                    if (Current.IsOperator("(") && Peek().Kind == TokenKind.Integer && Peek(2).IsOperator(")"))
                    {
                        // timestamp(p) with time zone: the precision comes before the zone clause.
                        return ParseTimestampWithPrecision(start, name);
                    }
                    if (IsKeyword("with") || IsKeyword("without"))
                    {
                        bool withZone = Advance().Text == "with";
                        ExpectKeyword("time");
                        ExpectKeyword("zone");
                        if (withZone) name += "tz";
                    }
                    break;
            }
        }
        if (Current.IsOperator("."))
        {
            // schema.type, either part quoted ("pg_catalog"."int4", as asyncpg writes casts).
            _index++;
            name = name + "." + ExpectColumnLabel();
        }
        var modifiers = new List<int>();
        if (Current.IsOperator("("))
        {
            _index++;
            do
            {
                // A modifier may be negative (numeric(5, -2), PostgreSQL 15).
                bool negative = TryOperator("-");
                Token modifier = Current;
                if (modifier.Kind != TokenKind.Integer) throw SyntaxError();
                _index++;
                if (!int.TryParse(modifier.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
                {
                    throw new SqlException(SqlState.InvalidParameterValue, "type modifier is out of range", modifier.Position + 1);
                }
                modifiers.Add(negative ? -value : value);
            }
            while (TryOperator(","));
            ExpectOperator(")");
        }
        if (name == "bpchar" && modifiers.Count == 0 && start.Text is "character" or "char" or "nchar" or "national")
        {
            modifiers.Add(1); // char without a length is char(1)
        }
        return ParseArrayBounds(new TypeName(name, modifiers, start.Position));
    }

    /// <summary>[] / [n] (repeated) or ARRAY [ [n] ] after a type name: PostgreSQL ignores the bounds and the number of
    /// dimensions, so every array type is the element name with "[]".</summary>
    private TypeName ParseArrayBounds(TypeName element)
    {
        bool isArray = false;
        if (TryKeyword("array"))
        {
            isArray = true;
            if (TryOperator("["))
            {
                if (Current.Kind != TokenKind.Integer) throw SyntaxError();
                _index++;
                ExpectOperator("]");
            }
        }
        else
        {
            while (Current.IsOperator("[") && (Peek().IsOperator("]") || (Peek().Kind == TokenKind.Integer && Peek(2).IsOperator("]"))))
            {
                _index += Peek().IsOperator("]") ? 2 : 3;
                isArray = true;
            }
        }
        return isArray ? element with { Name = element.Name + "[]" } : element;
    }
}
