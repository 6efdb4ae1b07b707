using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>The functions behind the array comparison operators (array_eq ... array_ge, btarraycmp) and the
/// max/min support functions array_larger and array_smaller, with pg_proc's signatures (anyarray, anyarray): the
/// operators' order, element by element and then by length, as ArrayHandler compares. psql's tab completion lists
/// them by name from pg_proc.</summary>
internal static partial class BuiltinFunctions
{
    private static void AddArrayComparison(FunctionRegistry registry)
    {
        AddArrayPredicate(registry, "array_eq", order => order == 0);
        AddArrayPredicate(registry, "array_ne", order => order != 0);
        AddArrayPredicate(registry, "array_lt", order => order < 0);
        AddArrayPredicate(registry, "array_gt", order => order > 0);
        AddArrayPredicate(registry, "array_le", order => order <= 0);
        AddArrayPredicate(registry, "array_ge", order => order >= 0);
        Add(registry, "btarraycmp", [AnyArray, AnyArray], Int4, (a, _) => Math.Sign(CompareArrays((PgArray)a[0]!, (PgArray)a[1]!)));
        AddArrayChoice(registry, "array_larger", order => order > 0);
        AddArrayChoice(registry, "array_smaller", order => order < 0);
    }

    private static void AddArrayPredicate(FunctionRegistry registry, string name, Func<int, bool> holds) =>
        Add(registry, name, [AnyArray, AnyArray], Bool, (a, _) => holds(CompareArrays((PgArray)a[0]!, (PgArray)a[1]!)));

    /// <summary>array_larger/array_smaller: the first argument when it wins, else the second (arrays that tie are equal).</summary>
    private static void AddArrayChoice(FunctionRegistry registry, string name, Func<int, bool> firstWins) =>
        registry.Add(new FunctionDefinition(name, [AnyArray, AnyArray], SqlType.Unknown,
            (a, _) => firstWins(CompareArrays((PgArray)a[0]!, (PgArray)a[1]!)) ? a[0] : a[1]) { ResultFromPolymorphic = true, ResultIsArray = true });

    private static int CompareArrays(PgArray left, PgArray right) => ValueComparer.CompareNonNull(left, right);
}
