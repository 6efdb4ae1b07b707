using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>Column references and function calls: aggregates' DISTINCT / ORDER BY / FILTER / WITHIN GROUP, window calls
/// (OVER), VARIADIC, the special SQL syntaxes of gram.y's func_expr_common_subexpr, and window definitions.</summary>
internal sealed partial class SqlParser
{
    /// <summary>PostgreSQL's ERRCODE_WINDOWING_ERROR, for impossible window frames.</summary>
    private const string WindowingError = "42P20";

    /// <summary>A column reference or a function call; <paramref name="windowless"/> for FROM, where a call takes no
    /// WITHIN GROUP, FILTER or OVER (gram.y's func_expr_windowless).</summary>
    private Expression ParseColumnReferenceOrFunction(bool windowless = false)
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
            string qualifiedName = string.Join('.', fields);
            if (fields.Count == 3)
            {
                throw new SqlException(SqlState.FeatureNotSupported, "cross-database references are not implemented: " + qualifiedName, first.Position + 1);
            }
            if (fields.Count > 3)
            {
                throw new SqlException(SqlState.SyntaxError, "improper qualified name (too many dotted names): " + qualifiedName, first.Position + 1);
            }
            return ParseFunctionCall(fields[^1], fields.Count == 2 ? fields[0] : null, first.Position, windowless);
        }
        if (fields.Count > 3)
        {
            throw new SqlException(SqlState.SyntaxError, $"improper qualified name (too many dotted names): {string.Join('.', fields)}", first.Position + 1);
        }
        return ParseOptionalIndirection(new ColumnRef(fields, Star: false, first.Position));
    }

    /// <summary>name '(' [* | [DISTINCT | ALL] arguments [ORDER BY ...]] ')' [WITHIN GROUP (ORDER BY ...)] [FILTER (WHERE ...)] [OVER ...].</summary>
    private FuncCall ParseFunctionCall(string name, string? schema, int location, bool windowless)
    {
        ExpectOperator("(");
        EnterNesting();
        bool star = false;
        bool distinct = false;
        bool variadic = false;
        var arguments = new List<Expression>();
        List<string?>? argumentNames = null;
        List<SortBy>? aggregateOrder = null;
        if (TryOperator("*"))
        {
            star = true;
        }
        else if (!Current.IsOperator(")"))
        {
            distinct = TryKeyword("distinct");
            if (!distinct) TryKeyword("all");
            do
            {
                if (TryKeyword("variadic"))
                {
                    variadic = true;
                    arguments.Add(ParseExpression());
                    break;
                }
                if (Current.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier && (Peek().IsOperator("=>") || (Peek().IsOperator(":") && Peek(2).IsOperator("="))))
                {
                    // name => value, or the older name := value (func_arg_expr in gram.y).
                    Token argumentName = Current;
                    _index += Peek().IsOperator("=>") ? 2 : 3;
                    argumentNames ??= [.. Enumerable.Repeat<string?>(null, arguments.Count)];
                    if (argumentNames.Contains(argumentName.Text))
                    {
                        throw new SqlException(SqlState.SyntaxError, $"argument name \"{argumentName.Text}\" used more than once", argumentName.Position + 1);
                    }
                    argumentNames.Add(argumentName.Text);
                    arguments.Add(ParseExpression());
                    continue;
                }
                if (argumentNames is not null)
                {
                    throw new SqlException(SqlState.SyntaxError, "positional argument cannot follow named argument", Current.Position + 1);
                }
                arguments.Add(ParseExpression());
            }
            while (TryOperator(","));
            if (TryKeyword("order"))
            {
                ExpectKeyword("by");
                aggregateOrder = ParseSortList();
            }
        }
        ExpectOperator(")");
        LeaveNesting();
        var call = new FuncCall(name, arguments, star, distinct, location) { Schema = schema, AggregateOrder = aggregateOrder, VariadicLast = variadic, ArgumentNames = argumentNames };
        if (windowless) return call;
        if (IsKeyword("within") && Peek().IsKeyword("group"))
        {
            Token within = Current;
            _index += 2;
            ExpectOperator("(");
            ExpectKeyword("order");
            ExpectKeyword("by");
            List<SortBy> order = ParseSortList();
            ExpectOperator(")");
            if (aggregateOrder is not null) throw WithinGroupError("cannot use multiple ORDER BY clauses with WITHIN GROUP", within);
            if (distinct) throw WithinGroupError("cannot use DISTINCT with WITHIN GROUP", within);
            if (variadic) throw WithinGroupError("cannot use VARIADIC with WITHIN GROUP", within);
            call = call with { AggregateOrder = order, WithinGroup = true };
        }
        if (IsKeyword("filter") && Peek().IsOperator("("))
        {
            _index += 2;
            ExpectKeyword("where");
            call = call with { Filter = ParseExpression() };
            ExpectOperator(")");
        }
        if (IsKeyword("over"))
        {
            _index++;
            if (Current.IsOperator("(")) call = call with { Over = ParseWindowSpecification(null, Current.Position) };
            else
            {
                (string windowName, int windowLocation) = ExpectColumnIdentifier();
                call = call with { Over = new WindowDef(null, windowName, [], [], null, windowLocation) { IsBareReference = true } };
            }
        }
        return call;
    }

    private static SqlException WithinGroupError(string message, Token within) => new(SqlState.SyntaxError, message, within.Position + 1);

    /// <summary>'(' [existing window] [PARTITION BY ...] [ORDER BY ...] [frame] ')'.</summary>
    private WindowDef ParseWindowSpecification(string? name, int location)
    {
        ExpectOperator("(");
        EnterNesting();
        string? refName = null;
        if ((Current.Kind == TokenKind.QuotedIdentifier || (Current.Kind == TokenKind.Identifier && Keywords.CanBeColumnIdentifier(Current.Text)))
            && !(Current.Kind == TokenKind.Identifier && Current.Text is "partition" or "order" or "rows" or "range" or "groups"))
        {
            refName = ExpectColumnIdentifier().Name;
        }
        List<Expression> partitionBy = [];
        if (TryKeyword("partition"))
        {
            ExpectKeyword("by");
            partitionBy = ParseExpressionList();
        }
        List<SortBy> orderBy = [];
        if (TryKeyword("order"))
        {
            ExpectKeyword("by");
            orderBy = ParseSortList();
        }
        WindowFrame? frame = IsKeyword("rows") || IsKeyword("range") || IsKeyword("groups") ? ParseWindowFrame() : null;
        ExpectOperator(")");
        LeaveNesting();
        return new WindowDef(name, refName, partitionBy, orderBy, frame, location);
    }

    /// <summary>ROWS | RANGE | GROUPS {start | BETWEEN start AND end} [EXCLUDE ...], refusing the frames gram.y refuses.</summary>
    private WindowFrame ParseWindowFrame()
    {
        Token modeToken = Advance();
        WindowFrameMode mode = modeToken.Text switch
        {
            "rows" => WindowFrameMode.Rows,
            "range" => WindowFrameMode.Range,
            _ => WindowFrameMode.Groups,
        };
        WindowFrameBound start;
        WindowFrameBound end;
        if (TryKeyword("between"))
        {
            Token startToken = Current;
            start = ParseFrameBound();
            ExpectKeyword("and");
            Token endToken = Current;
            end = ParseFrameBound();
            if (start.Kind == WindowFrameBoundKind.UnboundedFollowing) throw FrameError("frame start cannot be UNBOUNDED FOLLOWING", startToken);
            if (end.Kind == WindowFrameBoundKind.UnboundedPreceding) throw FrameError("frame end cannot be UNBOUNDED PRECEDING", endToken);
            if (start.Kind == WindowFrameBoundKind.CurrentRow && end.Kind == WindowFrameBoundKind.Preceding)
            {
                throw FrameError("frame starting from current row cannot have preceding rows", endToken);
            }
            if (start.Kind == WindowFrameBoundKind.Following && end.Kind is WindowFrameBoundKind.Preceding or WindowFrameBoundKind.CurrentRow)
            {
                throw FrameError("frame starting from following row cannot have preceding rows", endToken);
            }
        }
        else
        {
            Token startToken = Current;
            start = ParseFrameBound();
            if (start.Kind == WindowFrameBoundKind.UnboundedFollowing) throw FrameError("frame start cannot be UNBOUNDED FOLLOWING", startToken);
            if (start.Kind == WindowFrameBoundKind.Following) throw FrameError("frame starting from following row cannot end with current row", startToken);
            end = new WindowFrameBound(WindowFrameBoundKind.CurrentRow, null);
        }
        var exclusion = WindowFrameExclusion.NoOthers;
        if (TryKeyword("exclude"))
        {
            if (TryKeyword("current")) { ExpectKeyword("row"); exclusion = WindowFrameExclusion.CurrentRow; }
            else if (TryKeyword("group")) exclusion = WindowFrameExclusion.Group;
            else if (TryKeyword("ties")) exclusion = WindowFrameExclusion.Ties;
            else { ExpectKeyword("no"); ExpectKeyword("others"); }
        }
        return new WindowFrame(mode, start, end, exclusion, modeToken.Position);
    }

    private static SqlException FrameError(string message, Token at) => new(WindowingError, message, at.Position + 1);

    private WindowFrameBound ParseFrameBound()
    {
        if (IsKeyword("unbounded") && (Peek().IsKeyword("preceding") || Peek().IsKeyword("following")))
        {
            _index++;
            return new WindowFrameBound(Advance().Text == "preceding" ? WindowFrameBoundKind.UnboundedPreceding : WindowFrameBoundKind.UnboundedFollowing, null);
        }
        if (IsKeyword("current") && Peek().IsKeyword("row"))
        {
            _index += 2;
            return new WindowFrameBound(WindowFrameBoundKind.CurrentRow, null);
        }
        Expression offset = ParseExpression();
        if (TryKeyword("preceding")) return new WindowFrameBound(WindowFrameBoundKind.Preceding, offset);
        ExpectKeyword("following");
        return new WindowFrameBound(WindowFrameBoundKind.Following, offset);
    }

    /// <summary>The SQL-standard call syntaxes that gram.y maps to functions: EXTRACT, POSITION, SUBSTRING, TRIM and
    /// OVERLAY with keywords between their arguments. Null when the name is none of them or the call is an ordinary one
    /// (substring(x, 1, 2)).</summary>
    private Expression? ParseSpecialFunction(Token name)
    {
        switch (name.Text)
        {
            case "extract":
            {
                _index += 2;
                Token field = Current;
                if (field.Kind is not (TokenKind.Identifier or TokenKind.String) || (field.Kind == TokenKind.Identifier && Keywords.IsReserved(field.Text))) throw SyntaxError();
                _index++;
                ExpectKeyword("from");
                Expression source = ParseExpression();
                ExpectOperator(")");
                return Call("extract", [new A_Const(ConstantKind.String, field.Text, field.Position), source], name);
            }
            case "position":
            {
                _index += 2;
                // position_list is b_expr IN b_expr: operands that hold no IN themselves.
                Expression needle = ParseOtherOperator();
                ExpectKeyword("in");
                Expression haystack = ParseOtherOperator();
                ExpectOperator(")");
                return Call("position", [haystack, needle], name);
            }
            case "substring":
            {
                int start = _index;
                _index += 2;
                if (Current.IsOperator(")"))
                {
                    _index = start;
                    return null;
                }
                Expression source = ParseExpression();
                Expression? from = null;
                Expression? count = null;
                if (TryKeyword("from"))
                {
                    from = ParseExpression();
                    if (TryKeyword("for")) count = ParseExpression();
                }
                else if (TryKeyword("for"))
                {
                    count = ParseExpression();
                    if (TryKeyword("from")) from = ParseExpression();
                }
                else if (TryKeyword("similar"))
                {
                    Expression pattern = ParseExpression();
                    ExpectKeyword("escape");
                    Expression escape = ParseExpression();
                    ExpectOperator(")");
                    return Call("substring", [source, pattern, escape], name);
                }
                else
                {
                    _index = start;
                    return null;
                }
                ExpectOperator(")");
                if (count is null) return Call("substring", [source, from!], name);
                if (from is not null) return Call("substring", [source, from, count], name);
                // SUBSTRING(x FOR n) starts at 1, with the count cast to int4 (gram.y).
                return Call("substring", [source, new A_Const(ConstantKind.Integer, "1", -1), new TypeCast(count, new TypeName("int4", [], -1), -1)], name);
            }
            case "trim":
            {
                _index += 2;
                string function = "btrim";
                if (TryKeyword("both")) function = "btrim";
                else if (TryKeyword("leading")) function = "ltrim";
                else if (TryKeyword("trailing")) function = "rtrim";
                List<Expression> arguments;
                if (TryKeyword("from"))
                {
                    arguments = ParseExpressionList();
                }
                else
                {
                    Expression first = ParseExpression();
                    if (TryKeyword("from"))
                    {
                        // TRIM(chars FROM x) is trim(x, chars).
                        arguments = ParseExpressionList();
                        arguments.Add(first);
                    }
                    else
                    {
                        arguments = [first];
                        while (TryOperator(",")) arguments.Add(ParseExpression());
                    }
                }
                ExpectOperator(")");
                return Call(function, arguments, name);
            }
            case "overlay":
            {
                int start = _index;
                _index += 2;
                if (Current.IsOperator(")"))
                {
                    _index = start;
                    return null;
                }
                Expression source = ParseExpression();
                if (!TryKeyword("placing"))
                {
                    _index = start;
                    return null;
                }
                Expression replacement = ParseExpression();
                ExpectKeyword("from");
                Expression from = ParseExpression();
                var arguments = new List<Expression> { source, replacement, from };
                if (TryKeyword("for")) arguments.Add(ParseExpression());
                ExpectOperator(")");
                return Call("overlay", arguments, name);
            }
            default:
                return null;
        }
    }

    private static FuncCall Call(string name, List<Expression> arguments, Token at) => new(name, arguments, Star: false, Distinct: false, at.Position);
}
