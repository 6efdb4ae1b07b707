using System.Collections.Concurrent;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// The array expressions that PostgreSQL has as their own nodes (ArrayExpr, SubscriptingRef, ScalarArrayOpExpr), as
/// internal functions the binder calls: not in the registry (no name resolves to them), one definition per shape so
/// that the same expression written twice binds to the same function (GROUP BY matches it).
/// </summary>
internal static class ArrayExpressions
{
    /// <summary>One bracket of a subscript: [upper], or [lower:upper] with either bound possibly left out.</summary>
    public readonly record struct Subscript(bool IsSlice, bool HasLower, bool HasUpper);

    /// <summary>ARRAY[a, b, ...] of scalars: a one-dimensional array (lower bound 1).</summary>
    public static FunctionDefinition Constructor { get; } = new("array", [ParameterType.Any], SqlType.Unknown,
        (arguments, _) => PgArray.OneDimensional(arguments.ToArray()), strict: false) { VariadicAny = true };

    /// <summary>ARRAY[array, array, ...]: one more dimension over sub-arrays of one shape.</summary>
    public static FunctionDefinition NestedConstructor { get; } = new("array", [ParameterType.Any], SqlType.Unknown,
        (arguments, _) => Stack(arguments), strict: false) { VariadicAny = true };

    private static readonly ConcurrentDictionary<string, FunctionDefinition> Subscripts = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<(ComparisonOperator, bool, SqlType), FunctionDefinition> ScalarArrayOperators = new();

    /// <summary>The subscript of this shape: the array, then each given bound in order. Strict: a NULL array or subscript gives NULL.</summary>
    public static FunctionDefinition SubscriptFunction(IReadOnlyList<Subscript> shape, bool isSlice)
    {
        string key = string.Join(",", shape.Select(item => $"{(item.IsSlice ? 'S' : 'I')}{(item.HasLower ? 'L' : '-')}{(item.HasUpper ? 'U' : '-')}"));
        Subscript[] copy = [.. shape];
        return Subscripts.GetOrAdd(key, _ => new FunctionDefinition("subscript", [ParameterType.Any], SqlType.Unknown,
            (arguments, _) => isSlice ? Slice(copy, arguments) : Element(arguments)) { VariadicAny = true });
    }

    /// <summary>x op ANY/ALL (array) for one comparison operator over one operand type.</summary>
    public static FunctionDefinition ScalarArrayFunction(ComparisonOperator comparison, bool all, SqlType operandType) =>
        ScalarArrayOperators.GetOrAdd((comparison, all, operandType), key =>
        {
            var compare = new BoundComparison(key.Item1, new BoundConstant(null, key.Item3), new BoundConstant(null, key.Item3), key.Item3);
            return new FunctionDefinition(all ? "all" : "any", [ParameterType.Any, ParameterType.Any], SqlType.Bool,
                (arguments, _) => ScalarArrayOperation(compare, key.Item2, arguments[0], (PgArray?)arguments[1]), strict: false);
        });

    /// <summary>ExecEvalScalarArrayOp: an empty array gives false for ANY and true for ALL whatever x is; otherwise
    /// NULL x or a NULL element that could decide the answer gives NULL.</summary>
    private static object? ScalarArrayOperation(BoundComparison compare, bool all, object? value, PgArray? array)
    {
        if (array is null) return null;
        if (array.Count == 0) return all;
        if (value is null) return null;
        bool sawNull = false;
        foreach (object? element in array)
        {
            if (element is null)
            {
                sawNull = true;
                continue;
            }
            bool result = Executor.ExpressionEvaluator.Compare(compare, value, element);
            if (result != all) return result;
        }
        return sawNull ? null : all;
    }

    private static PgArray Stack(ReadOnlySpan<object?> arguments)
    {
        PgArray? first = null;
        var elements = new List<object?>();
        foreach (object? argument in arguments)
        {
            if (argument is not PgArray array || (first is not null && !SameShape(first, array)))
            {
                throw new SqlException(SqlState.ArraySubscriptError, "multidimensional arrays must have array expressions with matching dimensions");
            }
            first ??= array;
            elements.AddRange(array);
        }
        if (first is null || first.Count == 0) return PgArray.Empty;
        if (first.Dimensions + 1 > PgTypes.MaxArrayDimensions)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, $"number of array dimensions ({first.Dimensions + 1}) exceeds the maximum allowed ({PgTypes.MaxArrayDimensions})");
        }
        return new PgArray([.. elements], [arguments.Length, .. first.Lengths], [1, .. first.LowerBounds]);
    }

    /// <summary>array_agg's result: the inputs as a one-dimensional array, or arrays (of one shape, none NULL or
    /// empty) stacked as one more dimension (array_agg_array_transfn's errors).</summary>
    public static PgArray Aggregate(List<object?> inputs, bool ofArrays)
    {
        if (!ofArrays) return PgArray.OneDimensional([.. inputs]);
        PgArray? first = null;
        var elements = new List<object?>();
        foreach (object? input in inputs)
        {
            if (input is not PgArray array) throw new SqlException(SqlState.NullValueNotAllowed, "cannot accumulate null arrays");
            if (array.Count == 0) throw new SqlException(SqlState.ArraySubscriptError, "cannot accumulate empty arrays");
            if (first is not null && !SameShape(first, array)) throw new SqlException(SqlState.ArraySubscriptError, "cannot accumulate arrays of different dimensionality");
            first ??= array;
            elements.AddRange(array);
        }
        return new PgArray([.. elements], [inputs.Count, .. first!.Lengths], [1, .. first.LowerBounds]);
    }

    private static bool SameShape(PgArray left, PgArray right) =>
        left.Lengths.SequenceEqual(right.Lengths) && left.LowerBounds.SequenceEqual(right.LowerBounds);

    /// <summary>array_get_element: as many subscripts as dimensions, each within its dimension's bounds, or NULL.</summary>
    private static object? Element(ReadOnlySpan<object?> arguments)
    {
        var array = (PgArray)arguments[0]!;
        int count = arguments.Length - 1;
        if (count != array.Dimensions) return null;
        int offset = 0;
        for (int dimension = 0; dimension < count; dimension++)
        {
            int position = (int)arguments[dimension + 1]! - array.LowerBounds[dimension];
            if (position < 0 || position >= array.Lengths[dimension]) return null;
            offset = offset * array.Lengths[dimension] + position;
        }
        return array[offset];
    }

    /// <summary>array_get_slice: per dimension [lower:upper] clipped to the array's bounds (a plain [n] is [1:n], a left-out
    /// bound is the array's own, dimensions not written are taken whole); the result's lower bounds are 1.</summary>
    private static PgArray Slice(Subscript[] shape, ReadOnlySpan<object?> arguments)
    {
        var array = (PgArray)arguments[0]!;
        if (shape.Length > array.Dimensions || array.Dimensions == 0) return PgArray.Empty;
        int dimensions = array.Dimensions;
        var lowers = new int[dimensions];
        var lengths = new int[dimensions];
        int next = 1;
        for (int dimension = 0; dimension < dimensions; dimension++)
        {
            int lowerBound = array.LowerBounds[dimension];
            int upperBound = lowerBound + array.Lengths[dimension] - 1;
            int lower = lowerBound;
            int upper = upperBound;
            if (dimension < shape.Length)
            {
                Subscript subscript = shape[dimension];
                if (subscript.HasLower) lower = (int)arguments[next++]!;
                else if (!subscript.IsSlice) lower = 1;
                if (subscript.HasUpper) upper = (int)arguments[next++]!;
            }
            lower = Math.Max(lower, lowerBound);
            upper = Math.Min(upper, upperBound);
            if (lower > upper) return PgArray.Empty;
            lowers[dimension] = lower - lowerBound;
            lengths[dimension] = upper - lower + 1;
        }
        var elements = new List<object?>();
        CopySlice(array, lowers, lengths, 0, 0, elements);
        return new PgArray([.. elements], lengths, Enumerable.Repeat(1, dimensions).ToArray());
    }

    private static void CopySlice(PgArray array, int[] lowers, int[] lengths, int dimension, int offset, List<object?> elements)
    {
        for (int index = 0; index < lengths[dimension]; index++)
        {
            int position = offset * array.Lengths[dimension] + lowers[dimension] + index;
            if (dimension + 1 == array.Dimensions) elements.Add(array[position]);
            else CopySlice(array, lowers, lengths, dimension + 1, position, elements);
        }
    }
}
