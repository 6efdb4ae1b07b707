using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Parser.Ast;
using ExecutionContext = Log.QueryNode.Sql.Executor.ExecutionContext;

namespace Log.QueryNode.Sql.Planner;

/// <summary>
/// PostgreSQL's eval_const_expressions, for what the engine has: an operator, cast or immutable function whose
/// arguments are all constants is computed once, when the statement is planned, and its errors are raised then (so
/// <c>SELECT 1/0</c> fails before any row description, as in PostgreSQL). CASE drops arms whose condition is a
/// constant false without computing them, and stops at a constant true one; COALESCE stops at its first non-null
/// constant. Only functions registered as immutable are folded (pg_proc.provolatile, as PostgreSQL does): stable
/// ones (now(), current_setting ...) and volatile ones (random(), pg_sleep ...), columns, parameters of an enclosing
/// query and subqueries never are, nor are casts that read TimeZone or DateStyle (timestamp to timestamptz ...), which
/// PostgreSQL's pg_cast marks stable: a cached plan must convert with the settings of each run.
/// </summary>
internal sealed class ConstantFolder(StatementContext statement)
{
    private readonly ExecutionContext _constants = ExecutionContext.ForExpressions(statement);

    public BoundExpression Fold(BoundExpression expression)
    {
        switch (expression)
        {
            case BoundConstant or BoundColumn or BoundOuterParam or BoundSubquery or BoundAggregateCall:
                return expression;
            case BoundCase caseExpression:
                return FoldCase(caseExpression);
            case BoundFunction { Function.SpecialForm: SpecialForm.Coalesce } coalesce:
                return FoldCoalesce(coalesce);
            case BoundBoolean { Kind: BoolExprKind.And or BoolExprKind.Or } boolean:
                return FoldAndOr(boolean);
        }
        BoundExpression folded = BoundExpressionTree.MapChildren(expression, child => Fold(child));
        if (!IsImmutable(folded)) return folded;
        foreach (BoundExpression child in BoundExpressionTree.Children(folded))
        {
            if (child is not BoundConstant) return folded;
        }
        return new BoundConstant(ExpressionEvaluator.Evaluate(folded, [], _constants), folded.Type);
    }

    public IReadOnlyList<BoundExpression> FoldAll(IReadOnlyList<BoundExpression> expressions)
    {
        BoundExpression[]? result = null;
        for (int index = 0; index < expressions.Count; index++)
        {
            BoundExpression folded = Fold(expressions[index]);
            if (!ReferenceEquals(folded, expressions[index])) (result ??= expressions.ToArray())[index] = folded;
        }
        return result ?? expressions;
    }

    private static bool IsImmutable(BoundExpression expression) => expression switch
    {
        BoundFunction function => function.Function.Volatility == Volatility.Immutable,
        BoundCast cast => !Types.ValueCast.ReadsSessionSettings(cast.Operand.Type, cast.Type),
        BoundArithmetic or BoundNegate or BoundComparison or BoundIsDistinct or BoundConcat or BoundBoolean
            or BoundNullTest or BoundBooleanTest or BoundIn or BoundLike or BoundFieldSelect => true,
        _ => false,
    };

    private BoundExpression FoldCase(BoundCase caseExpression)
    {
        var whens = new List<(BoundExpression Condition, BoundExpression Result)>();
        foreach ((BoundExpression condition, BoundExpression result) in caseExpression.Whens)
        {
            BoundExpression foldedCondition = Fold(condition);
            if (foldedCondition is BoundConstant constant)
            {
                if (constant.Value is not true) continue; // false or NULL: the arm can never be taken
                BoundExpression taken = Fold(result);
                if (whens.Count == 0) return taken;
                return caseExpression with { Whens = whens, Else = taken };
            }
            whens.Add((foldedCondition, Fold(result)));
        }
        BoundExpression? otherwise = caseExpression.Else is null ? null : Fold(caseExpression.Else);
        if (whens.Count == 0) return otherwise ?? new BoundConstant(null, caseExpression.Type);
        return caseExpression with { Whens = whens, Else = otherwise };
    }

    /// <summary>
    /// AND / OR as PostgreSQL's simplify_and_arguments / simplify_or_arguments: arguments are folded in order and the
    /// first constant that decides the result (false for AND, true for OR) ends it, without folding the rest (so
    /// <c>1 = 1 OR 1/0 = 1</c> is true); constants that decide nothing are dropped, and a NULL one is kept.
    /// </summary>
    private BoundExpression FoldAndOr(BoundBoolean boolean)
    {
        bool deciding = boolean.Kind == BoolExprKind.Or;
        var remaining = new List<BoundExpression>(boolean.Arguments.Count);
        bool sawNull = false;
        foreach (BoundExpression argument in boolean.Arguments)
        {
            BoundExpression folded = Fold(argument);
            if (folded is BoundConstant constant)
            {
                if (constant.Value is null) sawNull = true;
                else if ((bool)constant.Value == deciding) return new BoundConstant(deciding, Types.SqlType.Bool);
                continue;
            }
            remaining.Add(folded);
        }
        if (sawNull) remaining.Add(new BoundConstant(null, Types.SqlType.Bool));
        return remaining.Count switch
        {
            0 => new BoundConstant(!deciding, Types.SqlType.Bool),
            1 => remaining[0],
            _ => boolean with { Arguments = remaining },
        };
    }

    private BoundExpression FoldCoalesce(BoundFunction coalesce)
    {
        var arguments = new List<BoundExpression>();
        foreach (BoundExpression argument in coalesce.Arguments)
        {
            BoundExpression folded = Fold(argument);
            if (folded is BoundConstant { Value: null }) continue;
            arguments.Add(folded);
            if (folded is BoundConstant) break;
        }
        if (arguments.Count == 0) return new BoundConstant(null, coalesce.Type);
        if (arguments.Count == 1 && arguments[0] is BoundConstant) return arguments[0];
        return coalesce with { Arguments = arguments };
    }
}
