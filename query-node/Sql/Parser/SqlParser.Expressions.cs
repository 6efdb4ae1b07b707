using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>Expressions, by PostgreSQL's precedence (lowest first): OR, AND, NOT, IS, comparison, IN/BETWEEN/LIKE,
/// other operators (||), + -, * / %, ^, unary minus, ::.</summary>
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
            Expression right = ParseInBetweenLike();
            left = new A_Expr(op.Text, left, right, op.Position);
        }
        return left;
    }

    private Expression ParseInBetweenLike()
    {
        Expression left = ParseOtherOperator();
        while (true)
        {
            Token token = Current;
            bool isNot = false;
            if (token.IsKeyword("not") && Peek().Kind == TokenKind.Identifier && Peek().Text is "in" or "between" or "like" or "ilike")
            {
                _index++;
                isNot = true;
            }
            Token keyword = Current;
            if (TryKeyword("in"))
            {
                ExpectOperator("(");
                if (IsKeyword("select")) throw NotSupported("a subquery in IN", Current.Position);
                var list = new List<Expression>();
                do list.Add(ParseExpression());
                while (TryOperator(","));
                ExpectOperator(")");
                left = new InExpr(left, list, isNot, keyword.Position);
            }
            else if (TryKeyword("between"))
            {
                if (TryKeyword("symmetric")) throw NotSupported("BETWEEN SYMMETRIC", keyword.Position);
                TryKeyword("asymmetric");
                Expression low = ParseOtherOperator();
                ExpectKeyword("and");
                Expression high = ParseOtherOperator();
                left = new BetweenExpr(left, low, high, isNot, keyword.Position);
            }
            else if (IsKeyword("like") || IsKeyword("ilike"))
            {
                bool caseInsensitive = Advance().Text == "ilike";
                Expression pattern = ParseOtherOperator();
                if (IsKeyword("escape")) throw NotSupported("LIKE ... ESCAPE", Current.Position);
                left = new LikeExpr(left, pattern, isNot, caseInsensitive, keyword.Position);
            }
            else
            {
                return left;
            }
        }
    }

    private static bool IsOtherOperator(Token token) =>
        token.Kind == TokenKind.Operator && token.Text is not ("+" or "-" or "*" or "/" or "%" or "^" or "=" or "<" or ">"
            or "<=" or ">=" or "<>" or "(" or ")" or "," or ";" or "." or "[" or "]" or "::" or ":");

    private Expression ParseOtherOperator()
    {
        Expression left = ParseAdditive();
        while (IsOtherOperator(Current))
        {
            Token op = Advance();
            Expression right = ParseAdditive();
            left = new A_Expr(op.Text, left, right, op.Position);
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
            Expression right = ParseMultiplicative();
            left = new A_Expr(op.Text, left, right, op.Position);
        }
        return left;
    }

    private Expression ParseMultiplicative()
    {
        Expression left = ParseExponent();
        while (Current.IsOperator("*") || Current.IsOperator("/") || Current.IsOperator("%"))
        {
            Token op = Advance();
            Expression right = ParseExponent();
            left = new A_Expr(op.Text, left, right, op.Position);
        }
        return left;
    }

    private Expression ParseExponent()
    {
        Expression left = ParseUnary();
        while (Current.IsOperator("^"))
        {
            Token op = Advance();
            Expression right = ParseUnary();
            left = new A_Expr(op.Text, left, right, op.Position);
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
                throw NotSupported("array subscripts", Current.Position);
            }
            else if (IsKeyword("collate"))
            {
                throw NotSupported("COLLATE", Current.Position);
            }
            else
            {
                return expression;
            }
        }
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
                return new ParamRef(number, token.Position);
            case TokenKind.Operator when token.Text == "(":
                _index++;
                if (IsKeyword("select") || IsKeyword("values")) throw NotSupported("a subquery", Current.Position);
                Expression inner = ParseExpression();
                if (Current.IsOperator(",")) throw NotSupported("a row constructor", token.Position);
                ExpectOperator(")");
                return inner;
            case TokenKind.QuotedIdentifier:
                return ParseColumnRefOrFunction();
            case TokenKind.Identifier:
                return ParseKeywordOrName(token);
            default:
                throw SyntaxError();
        }
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
            case "array":
                throw NotSupported(token.Text.ToUpperInvariant(), token.Position);
            case "current_date":
            case "current_timestamp":
            case "localtimestamp":
                _index++;
                if (Current.IsOperator("(")) throw NotSupported(token.Text.ToUpperInvariant() + " with a precision", Current.Position);
                return new FuncCall(token.Text, [], Star: false, Distinct: false, token.Position);
            case "current_time":
            case "localtime":
                throw NotSupported(token.Text.ToUpperInvariant(), token.Position);
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
        // A typed literal: type 'string' (e.g. int '42', numeric '1.5').
        if (Peek().Kind == TokenKind.String && !Keywords.IsReserved(token.Text))
        {
            TypeName typeName = ParseTypeName();
            Token literal = Current;
            if (literal.Kind != TokenKind.String) throw SyntaxError();
            _index++;
            return new TypeCast(new A_Const(ConstantKind.String, literal.Text, literal.Position), typeName, token.Position);
        }
        return ParseColumnRefOrFunction();
    }

    private Expression ParseColumnRefOrFunction()
    {
        Token first = Advance();
        var fields = new List<string> { first.Text };
        while (Current.IsOperator("."))
        {
            _index++;
            if (Current.IsOperator("*"))
            {
                _index++;
                return new ColumnRef(fields, Star: true, first.Position);
            }
            if (Current.Kind is not (TokenKind.Identifier or TokenKind.QuotedIdentifier)) throw SyntaxError();
            fields.Add(Advance().Text);
        }
        if (Current.IsOperator("("))
        {
            _index++;
            string name = fields[^1];
            if (fields.Count > 2 || (fields.Count == 2 && fields[0] != "pg_catalog"))
            {
                throw new SqlException(SqlState.UndefinedFunction, $"function {string.Join('.', fields)}() does not exist", first.Position + 1);
            }
            if (TryOperator("*"))
            {
                ExpectOperator(")");
                return new FuncCall(name, [], Star: true, Distinct: false, first.Position);
            }
            bool distinct = TryKeyword("distinct");
            if (!distinct) TryKeyword("all");
            var arguments = new List<Expression>();
            if (!Current.IsOperator(")"))
            {
                do arguments.Add(ParseExpression());
                while (TryOperator(","));
            }
            if (IsKeyword("order")) throw NotSupported("ORDER BY inside an aggregate", Current.Position);
            ExpectOperator(")");
            if (IsKeyword("over")) throw NotSupported("window functions", Current.Position);
            if (IsKeyword("filter")) throw NotSupported("FILTER", Current.Position);
            return new FuncCall(name, arguments, Star: false, distinct, first.Position);
        }
        if (fields.Count > 3)
        {
            throw new SqlException(SqlState.SyntaxError, $"improper qualified name (too many dotted names): {string.Join('.', fields)}", first.Position + 1);
        }
        return new ColumnRef(fields, Star: false, first.Position);
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
        return new TypeName(name, [precision], start.Position);
    }

    /// <summary>A type name, normalised to PostgreSQL's internal names for the multi-word SQL spellings
    /// (double precision -> float8, character varying -> varchar, decimal -> numeric, ...).</summary>
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
        if (Current.IsOperator(".") && start.Kind == TokenKind.Identifier)
        {
            _index++;
            name = name + "." + ExpectColumnLabel();
        }
        var modifiers = new List<int>();
        if (Current.IsOperator("("))
        {
            _index++;
            do
            {
                Token modifier = Current;
                if (modifier.Kind != TokenKind.Integer) throw SyntaxError();
                _index++;
                if (!int.TryParse(modifier.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
                {
                    throw new SqlException(SqlState.InvalidParameterValue, "type modifier is out of range", modifier.Position + 1);
                }
                modifiers.Add(value);
            }
            while (TryOperator(","));
            ExpectOperator(")");
        }
        if (name == "bpchar" && modifiers.Count == 0 && start.Text is "character" or "char" or "nchar" or "national")
        {
            modifiers.Add(1); // char without a length is char(1)
        }
        if (Current.IsOperator("[") || IsKeyword("array")) throw NotSupported("array types", Current.Position);
        return new TypeName(name, modifiers, start.Position);
    }
}
