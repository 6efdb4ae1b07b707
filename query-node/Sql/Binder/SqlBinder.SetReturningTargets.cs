using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Set-returning functions in a select list (<c>SELECT unnest(ix.indkey), generate_subscripts(ix.indkey, 1) FROM
/// pg_index ix</c>, as SQLAlchemy's reflection writes it). PostgreSQL 10+ runs them side by side once per input row,
/// padding the shorter ones with NULLs, and a row whose functions return nothing disappears: that is exactly a lateral
/// ROWS FROM (...) joined after the FROM list, so the select list's calls move there and read its columns.
/// Only top-level calls in a select list without GROUP BY, HAVING or * move; anywhere else they stay unsupported.
/// </summary>
internal sealed partial class SqlBinder
{
    /// <summary>The FROM item the moved functions become; no query can name it (it is not a valid identifier).</summary>
    private const string SetReturningTargetsAlias = "*set-returning functions*";

    private static readonly HashSet<string> SetReturningTargetFunctions =
        ["unnest", "generate_series", "generate_subscripts", "regexp_split_to_table", "string_to_table"];

    private static SelectStmt MoveSetReturningTargets(SelectStmt select)
    {
        if (select.GroupBy.Count > 0 || select.Having is not null || select.TargetList.Any(target => target.Value is ColumnRef { Star: true }))
        {
            return select;
        }
        var calls = new List<FuncCall>();
        var targets = new List<ResTarget>();
        foreach (ResTarget target in select.TargetList)
        {
            if (target.Value is FuncCall { Schema: null or "pg_catalog", Star: false, Distinct: false, Filter: null, Over: null } call
                && SetReturningTargetFunctions.Contains(call.Name) && !(call.Name == "unnest" && call.Arguments.Count != 1))
            {
                string column = $"function {calls.Count + 1}";
                calls.Add(call);
                targets.Add(target with
                {
                    Value = new ColumnRef([SetReturningTargetsAlias, column], Star: false, call.Location),
                    Name = target.Name ?? ColumnNaming.FigureName(call),
                });
            }
            else
            {
                targets.Add(target);
            }
        }
        if (calls.Count == 0) return select;
        var functions = new RangeFunction(calls[0], SetReturningTargetsAlias, [.. calls.Select((_, index) => $"function {index + 1}")], Lateral: true,
            WithOrdinality: false, calls[0].Location) { ZippedFunctions = calls[1..] };
        return select with { TargetList = targets, From = [.. select.From, functions] };
    }
}
