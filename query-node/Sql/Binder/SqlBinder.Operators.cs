using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    private BoundExpression BindOperator(A_Expr expression)
    {
        if (expression.Left is null)
        {
            BoundExpression operand = Bind(expression.Right);
            IReadOnlyList<FunctionDefinition> prefixOperators = OperatorRegistry.Builtins.Prefix(expression.Operator);
            // Numbers keep their own negation; - over an interval is a registered operator (interval_um).
            bool numericSign = expression.Operator is "-" or "+" && (operand.Type.IsNumber || operand.Type.Kind == TypeKind.Unknown);
            if (prefixOperators.Count > 0 && !numericSign) return BindOperatorCall(expression, prefixOperators, [operand], [expression.Right]);
            if (operand.Type.Kind == TypeKind.Unknown && expression.Operator is "-" or "+")
            {
                // An untyped literal under a numeric prefix operator: PostgreSQL finds no unique operator.
                throw new SqlException(EngineSqlState.AmbiguousFunction, $"operator is not unique: {expression.Operator} unknown", expression.Location + 1,
                    hint: "Could not choose a best candidate operator. You might need to add explicit type casts.");
            }
            if (!operand.Type.IsNumber || expression.Operator is not ("-" or "+"))
            {
                throw OperatorDoesNotExist(expression.Operator, null, operand.Type, expression.Location);
            }
            if (expression.Operator == "+") return operand;
            return operand is BoundConstant { Value: not null } constant
                ? new BoundConstant(ValueArithmetic.Negate(constant.Value), constant.Type)
                : new BoundNegate(operand, operand.Type.WithoutModifier);
        }
        if (IsRowComparison(expression)) return BindRowComparison(expression);
        BoundExpression left = Bind(expression.Left);
        BoundExpression right = Bind(expression.Right);
        // xid = int4 and xid <> int4 are pg_operator entries of their own (xideqint4), not comparisons within one type.
        if (expression.Operator is "=" or "<>" && left.Type.Kind == TypeKind.Xid && right.Type.IsNumber)
        {
            return BindOperatorCall(expression, OperatorRegistry.Builtins.Infix(expression.Operator), [left, right], [expression.Left, expression.Right]);
        }
        switch (expression.Operator)
        {
            case "=": return BindComparison(ComparisonOperator.Equal, expression, left, right);
            case "<>": return BindComparison(ComparisonOperator.NotEqual, expression, left, right);
            case "<": return BindComparison(ComparisonOperator.Less, expression, left, right);
            case "<=": return BindComparison(ComparisonOperator.LessOrEqual, expression, left, right);
            case ">": return BindComparison(ComparisonOperator.Greater, expression, left, right);
            case ">=": return BindComparison(ComparisonOperator.GreaterOrEqual, expression, left, right);
            case "+": return BindArithmetic(ArithmeticOperator.Add, expression, left, right);
            case "-": return BindArithmetic(ArithmeticOperator.Subtract, expression, left, right);
            case "*": return BindArithmetic(ArithmeticOperator.Multiply, expression, left, right);
            case "/": return BindArithmetic(ArithmeticOperator.Divide, expression, left, right);
            case "%": return BindArithmetic(ArithmeticOperator.Modulo, expression, left, right);
            case "||": return BindConcat(expression, left, right);
            case "IS DISTINCT FROM":
            case "IS NOT DISTINCT FROM":
                (BoundExpression l, BoundExpression r, _) = ResolveComparisonOperands("=", expression, left, right);
                return new BoundIsDistinct(l, r, expression.Operator == "IS NOT DISTINCT FROM");
            default:
                IReadOnlyList<FunctionDefinition> overloads = OperatorRegistry.Builtins.Infix(expression.Operator);
                if (overloads.Count == 0) throw OperatorDoesNotExist(expression.Operator, left.Type, right.Type, expression.Location);
                return BindOperatorCall(expression, overloads, [left, right], [expression.Left, expression.Right]);
        }
    }

    /// <summary>An operator that is a call of its function (pg_operator.oprcode), resolved as PostgreSQL's
    /// oper_select_candidate does, with the operator's own error messages.</summary>
    private BoundExpression BindOperatorCall(A_Expr expression, IReadOnlyList<FunctionDefinition> overloads, BoundExpression[] operands, Expression[] sources)
    {
        SqlType[] types = operands.Select(operand => operand.Type).ToArray();
        (FunctionResolution? resolution, ResolutionFailure failure) = FunctionResolver.Resolve(overloads, types);
        SqlType? leftType = operands.Length == 2 ? types[0] : null;
        if (failure == ResolutionFailure.NotUnique)
        {
            string text = leftType is null ? $"{expression.Operator} {types[^1].DisplayName}" : $"{leftType.Value.DisplayName} {expression.Operator} {types[^1].DisplayName}";
            throw new SqlException(EngineSqlState.AmbiguousFunction, $"operator is not unique: {text}", expression.Location + 1,
                hint: "Could not choose a best candidate operator. You might need to add explicit type casts.");
        }
        if (resolution is null) throw OperatorDoesNotExist(expression.Operator, leftType, types[^1], expression.Location);
        var coerced = new BoundExpression[operands.Length];
        for (int index = 0; index < coerced.Length; index++)
        {
            coerced[index] = CoerceArgument(operands[index], resolution.ArgumentTypes[index], sources[index].Location);
        }
        return new BoundFunction(resolution.Definition, coerced, resolution.ResultType);
    }

    private BoundComparison BindComparison(ComparisonOperator op, A_Expr expression, BoundExpression left, BoundExpression right)
    {
        (BoundExpression l, BoundExpression r, SqlType operandType) = ResolveComparisonOperands(expression.Operator, expression, left, right);
        return new BoundComparison(op, l, r, operandType);
    }

    private (BoundExpression Left, BoundExpression Right, SqlType OperandType) ResolveComparisonOperands(
        string op, A_Expr expression, BoundExpression left, BoundExpression right)
    {
        if (left.Type.Kind == TypeKind.Unknown && right.Type.Kind == TypeKind.Unknown)
        {
            return (CoerceUnknown(left, SqlType.Text, expression.Left!.Location), CoerceUnknown(right, SqlType.Text, expression.Right.Location), SqlType.Text);
        }
        if (left.Type.Kind == TypeKind.Unknown) left = CoerceUnknown(left, right.Type.WithoutModifier, expression.Left!.Location);
        if (right.Type.Kind == TypeKind.Unknown) right = CoerceUnknown(right, left.Type.WithoutModifier, expression.Right.Location);
        SqlType leftType = left.Type;
        SqlType rightType = right.Type;
        if (leftType.IsNumber && rightType.IsNumber)
        {
            SqlType target = CommonNumericType(leftType, rightType);
            return (CastTo(left, target, ValueCast.Context.Implicit, expression.Left!.Location), CastTo(right, target, ValueCast.Context.Implicit, expression.Right.Location), target);
        }
        if (leftType.IsDateTime && rightType.IsDateTime)
        {
            SqlType target = leftType.DateTimeRank >= rightType.DateTimeRank ? leftType.WithoutModifier : rightType.WithoutModifier;
            return (CastTo(left, target, ValueCast.Context.Implicit, expression.Left!.Location), CastTo(right, target, ValueCast.Context.Implicit, expression.Right.Location), target);
        }
        if (leftType.Kind is TypeKind.Time or TypeKind.TimeTz && rightType.Kind is TypeKind.Time or TypeKind.TimeTz && leftType.Kind != rightType.Kind)
        {
            // time meets timetz through the implicit cast time -> timetz (the session zone's offset today).
            return (CastTo(left, SqlType.TimeTz, ValueCast.Context.Implicit, expression.Left!.Location),
                CastTo(right, SqlType.TimeTz, ValueCast.Context.Implicit, expression.Right.Location), SqlType.TimeTz);
        }
        if (leftType.IsString && rightType.IsString)
        {
            bool blankPadded = leftType.Kind == TypeKind.Bpchar && rightType.Kind == TypeKind.Bpchar;
            return (left, right, blankPadded ? SqlType.Bpchar : SqlType.Text);
        }
        // json has no comparison operators in PostgreSQL (no btree opclass): json = json does not exist.
        if (leftType.Kind == rightType.Kind && leftType.Element == rightType.Element && leftType.Kind != TypeKind.Json)
        {
            return (left, right, leftType.WithoutModifier);
        }
        if (ObjectIdentifierComparison.CommonType(leftType, rightType) is { } identifier)
        {
            return (CastTo(left, identifier, ValueCast.Context.Implicit, expression.Left!.Location), CastTo(right, identifier, ValueCast.Context.Implicit, expression.Right.Location), identifier);
        }
        throw OperatorDoesNotExist(op, leftType, rightType, expression.Location);
    }

    /// <summary>The type two numbers meet in: the higher in int2 &lt; int4 &lt; int8 &lt; numeric &lt; float8, and real
    /// only when both are real (PostgreSQL has no operators between real and the other numbers, so they resolve to
    /// float8's, the category's preferred type).</summary>
    private static SqlType CommonNumericType(SqlType left, SqlType right)
    {
        SqlType higher = left.NumericRank >= right.NumericRank ? left.WithoutModifier : right.WithoutModifier;
        return higher.Kind == TypeKind.Float4 && left.Kind != right.Kind ? SqlType.Float8 : higher;
    }

    private BoundExpression BindArithmetic(ArithmeticOperator op, A_Expr expression, BoundExpression left, BoundExpression right)
    {
        if (left.Type.IsDateTime || right.Type.IsDateTime || IsIntervalOrTime(left.Type) || IsIntervalOrTime(right.Type))
        {
            // Date, time and interval arithmetic is operators over functions (date + integer, timestamp - interval ...).
            return BindOperatorCall(expression, OperatorRegistry.Builtins.Infix(expression.Operator), [left, right], [expression.Left!, expression.Right]);
        }
        if (HasRegisteredOperator(expression.Operator, left, right))
        {
            // jsonb - text and the like: an arithmetic symbol with a registered operator for a non-number operand.
            return BindOperatorCall(expression, OperatorRegistry.Builtins.Infix(expression.Operator), [left, right], [expression.Left!, expression.Right]);
        }
        SqlType originalLeft = left.Type;
        SqlType originalRight = right.Type;
        if (left.Type.Kind == TypeKind.Unknown && right.Type.Kind == TypeKind.Unknown)
        {
            throw new SqlException(EngineSqlState.AmbiguousFunction, $"operator is not unique: unknown {expression.Operator} unknown", expression.Location + 1,
                hint: "Could not choose a best candidate operator. You might need to add explicit type casts.");
        }
        if (left.Type.Kind == TypeKind.Unknown && right.Type.IsNumber) left = CoerceUnknown(left, right.Type.WithoutModifier, expression.Left!.Location);
        if (right.Type.Kind == TypeKind.Unknown && left.Type.IsNumber) right = CoerceUnknown(right, left.Type.WithoutModifier, expression.Right.Location);
        if (!left.Type.IsNumber || !right.Type.IsNumber)
        {
            throw OperatorDoesNotExist(expression.Operator, originalLeft, originalRight, expression.Location);
        }
        SqlType target = CommonNumericType(left.Type, right.Type);
        if (op == ArithmeticOperator.Modulo && target.Kind is TypeKind.Float8 or TypeKind.Float4)
        {
            throw OperatorDoesNotExist(expression.Operator, originalLeft, originalRight, expression.Location);
        }
        return new BoundArithmetic(op,
            CastTo(left, target, ValueCast.Context.Implicit, expression.Left!.Location),
            CastTo(right, target, ValueCast.Context.Implicit, expression.Right.Location), target);
    }

    private static bool IsIntervalOrTime(SqlType type) => type.Kind is TypeKind.Interval or TypeKind.Time or TypeKind.TimeTz;

    private static bool HasRegisteredOperator(string symbol, BoundExpression left, BoundExpression right)
    {
        bool numberOrUnknown(SqlType type) => type.IsNumber || type.Kind == TypeKind.Unknown;
        if (numberOrUnknown(left.Type) && numberOrUnknown(right.Type)) return false;
        IReadOnlyList<FunctionDefinition> overloads = OperatorRegistry.Builtins.Infix(symbol);
        return overloads.Count > 0 && FunctionResolver.Resolve(overloads, [left.Type, right.Type]).Resolution is not null;
    }

    /// <summary>text || anything and anything || text (anynonarray || text); two non-strings have no || operator.</summary>
    private BoundExpression BindConcat(A_Expr expression, BoundExpression left, BoundExpression right)
    {
        bool leftText = left.Type.IsString || left.Type.Kind == TypeKind.Unknown;
        bool rightText = right.Type.IsString || right.Type.Kind == TypeKind.Unknown;
        if (!leftText || !rightText)
        {
            // bytea || bytea, array || array, jsonb || jsonb: a registered operator for the non-text operand's type wins
            // over anynonarray || text, as PostgreSQL's resolution prefers the exact type over an unknown's coercion.
            IReadOnlyList<FunctionDefinition> overloads = OperatorRegistry.Builtins.Infix("||");
            if (!left.Type.IsArray && !right.Type.IsArray)
            {
                // An untyped literal beside a non-array is text (anynonarray || text), never an array to append to.
                overloads = overloads.Where(overload => !overload.Parameters.Any(parameter => parameter.Pseudo == PseudoType.AnyArray)).ToArray();
            }
            if (overloads.Count > 0 && FunctionResolver.Resolve(overloads, [left.Type, right.Type]).Resolution is not null)
            {
                return BindOperatorCall(expression, overloads, [left, right], [expression.Left!, expression.Right]);
            }
        }
        if (!leftText && !rightText) throw OperatorDoesNotExist("||", left.Type, right.Type, expression.Location);
        return new BoundConcat(ToText(left, expression.Left!.Location), ToText(right, expression.Right.Location));
    }

    /// <summary>An operand of ||: char(n) loses its padding on the way to text, as its cast to text does.</summary>
    private BoundExpression ToText(BoundExpression bound, int location) =>
        bound.Type.IsString && bound.Type.Kind != TypeKind.Bpchar ? bound : CastTo(bound, SqlType.Text, ValueCast.Context.Explicit, location);

    private BoundExpression BindIn(InExpr inExpr)
    {
        if (inExpr.Argument is RowExpr) return BindRowIn(inExpr);
        var bound = new List<BoundExpression> { Bind(inExpr.Argument) };
        var sources = new List<Expression> { inExpr.Argument };
        foreach (Expression item in inExpr.List)
        {
            bound.Add(Bind(item));
            sources.Add(item);
        }
        SqlType common;
        try
        {
            common = CommonType(bound, sources, "IN");
        }
        catch (SqlException)
        {
            // No common type (oid IN (100, 950): int4 and oid): each item is compared with its own = operator, chosen by
            // operator resolution (implicit casts included), and the comparisons are ORed (NOT IN: <> ANDed), as
            // PostgreSQL's transformAExprIn falls back to; a missing operator is the 42883 of that comparison.
            BoundExpression[] comparisons = inExpr.List
                .Select(item => Bind(new A_Expr(inExpr.IsNot ? "<>" : "=", inExpr.Argument, item, inExpr.Location)))
                .ToArray();
            return comparisons.Length == 1 ? comparisons[0] : new BoundBoolean(inExpr.IsNot ? BoolExprKind.And : BoolExprKind.Or, comparisons);
        }
        BoundExpression[] coerced = CoerceAll(bound, sources, common);
        return new BoundIn(coerced[0], coerced[1..], inExpr.IsNot);
    }

    /// <summary>a BETWEEN x AND y is a &gt;= x AND a &lt;= y (and NOT BETWEEN its negation), as PostgreSQL rewrites it.</summary>
    private BoundExpression BindBetween(BetweenExpr between)
    {
        var lowExpression = new A_Expr(between.IsNot ? "<" : ">=", between.Argument, between.Low, between.Location);
        var highExpression = new A_Expr(between.IsNot ? ">" : "<=", between.Argument, between.High, between.Location);
        return new BoundBoolean(between.IsNot ? BoolExprKind.Or : BoolExprKind.And, [Bind(lowExpression), Bind(highExpression)]);
    }

    /// <summary>LIKE and ILIKE; with ESCAPE, the pattern goes through like_escape (as PostgreSQL rewrites it), which
    /// turns it into the backslash-escaped form LIKE reads.</summary>
    private BoundExpression BindLike(LikeExpr like)
    {
        BoundExpression operand = Bind(like.Argument);
        BoundExpression pattern = Bind(like.Pattern);
        if (like.Escape is not null)
        {
            pattern = BindCall("like_escape", FunctionRegistry.Builtins.Lookup("like_escape"), [pattern, Bind(like.Escape)], [like.Pattern, like.Escape], like.Location);
        }
        string op = like.CaseInsensitive ? "~~*" : "~~";
        if (!like.CaseInsensitive && like.Escape is null && (operand.Type.Kind == TypeKind.Bytea || pattern.Type.Kind == TypeKind.Bytea))
        {
            // bytea LIKE bytea is pg_operator's ~~ (bytealike): resolved through the registry like any operator call.
            string byteaOperator = like.IsNot ? "!~~" : "~~";
            var call = new A_Expr(byteaOperator, like.Argument, like.Pattern, like.Location);
            return BindOperatorCall(call, OperatorRegistry.Builtins.Infix(byteaOperator), [operand, pattern], [like.Argument, like.Pattern]);
        }
        if (operand.Type.Kind == TypeKind.Unknown) operand = CoerceUnknown(operand, SqlType.Text, like.Argument.Location);
        if (pattern.Type.Kind == TypeKind.Unknown) pattern = CoerceUnknown(pattern, SqlType.Text, like.Pattern.Location);
        if (!operand.Type.IsString || !pattern.Type.IsString)
        {
            throw OperatorDoesNotExist(like.IsNot ? "!" + op : op, operand.Type, pattern.Type, like.Location);
        }
        return new BoundLike(operand, pattern, like.IsNot, like.CaseInsensitive);
    }

    /// <summary>x SIMILAR TO p [ESCAPE e] is x ~ similar_to_escape(p [, e]), as PostgreSQL rewrites it.</summary>
    private BoundExpression BindSimilarTo(SimilarToExpr similar)
    {
        BoundExpression operand = Bind(similar.Argument);
        BoundExpression pattern = Bind(similar.Pattern);
        BoundExpression[] escapeArguments = similar.Escape is null ? [pattern] : [pattern, Bind(similar.Escape)];
        Expression[] escapeSources = similar.Escape is null ? [similar.Pattern] : [similar.Pattern, similar.Escape];
        BoundFunction regex = BindCall("similar_to_escape", FunctionRegistry.Builtins.Lookup("similar_to_escape"), escapeArguments, escapeSources, similar.Location);
        var match = new A_Expr("~", similar.Argument, similar.Pattern, similar.Location);
        BoundExpression test = BindOperatorCall(match, OperatorRegistry.Builtins.Infix("~"), [operand, regex], [similar.Argument, similar.Pattern]);
        return similar.IsNot ? new BoundBoolean(BoolExprKind.Not, [test]) : test;
    }

    private BoundExpression BindTypeCast(TypeCast cast)
    {
        (SqlType target, _) = TypeResolver.Resolve(cast.TypeName);
        // ARRAY[...]::t[] gives its elements t directly (PostgreSQL passes the cast's type into the constructor).
        if (cast.Argument is A_ArrayExpr array && target.IsArray) return CastExplicitly(BindArrayConstructor(array, target), target, cast);
        return CastExplicitly(Bind(cast.Argument), target, cast);
    }

    /// <summary>CAST(x AS t), x::t and the function-style t(x): an explicit cast of an already bound operand.</summary>
    private BoundExpression CastExplicitly(BoundExpression operand, SqlType target, TypeCast cast)
    {
        if (operand.Type.Kind == TypeKind.Unknown)
        {
            // 'abc'::varchar(2) is an explicit cast: read the text as the base type, then cut to the modifier silently.
            BoundExpression typed = CoerceUnknown(operand, target.WithoutModifier, cast.Argument.Location);
            return target.Modifier < 0 ? typed : CastTo(typed, target, ValueCast.Context.Explicit, cast.Argument.Location);
        }
        if (!ValueCast.CanCast(operand.Type, target, ValueCast.Context.Explicit))
        {
            throw new SqlException(SqlState.CannotCoerce, $"cannot cast type {operand.Type.DisplayName} to {target.DisplayNameWithModifier}", cast.Location + 1);
        }
        if (operand.Type == target) return operand;
        if (operand is BoundConstant constant && !ValueCast.ReadsSessionSettings(constant.Type, target))
        {
            return new BoundConstant(ValueCast.Convert(constant.Value, constant.Type, target, ValueCast.Context.Explicit, Settings), target);
        }
        return new BoundCast(operand, target, ValueCast.Context.Explicit);
    }

    private BoundExpression BindCase(CaseExpr caseExpr)
    {
        BoundExpression? argument = caseExpr.Argument is null ? null : Bind(caseExpr.Argument);
        var conditions = new List<BoundExpression>();
        var results = new List<BoundExpression>();
        var resultSources = new List<Expression>();
        foreach (CaseWhen when in caseExpr.Whens)
        {
            if (argument is not null)
            {
                // CASE a WHEN b is CASE WHEN a = b.
                conditions.Add(BindComparison(ComparisonOperator.Equal, new A_Expr("=", caseExpr.Argument, when.Condition, when.Condition.Location), argument, Bind(when.Condition)));
            }
            else
            {
                conditions.Add(CoerceToBoolean(Bind(when.Condition), when.Condition, "CASE/WHEN"));
            }
            results.Add(Bind(when.Result));
            resultSources.Add(when.Result);
        }
        if (caseExpr.Else is not null)
        {
            results.Add(Bind(caseExpr.Else));
            resultSources.Add(caseExpr.Else);
        }
        SqlType type = CommonType(results, resultSources, "CASE");
        BoundExpression[] coerced = CoerceAll(results, resultSources, type);
        var whens = new (BoundExpression, BoundExpression)[conditions.Count];
        for (int index = 0; index < whens.Length; index++) whens[index] = (conditions[index], coerced[index]);
        return new BoundCase(whens, caseExpr.Else is null ? null : coerced[^1], type);
    }
}
