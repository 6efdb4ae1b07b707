using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>pg_range, behind type loading besides pg_type (pg_proc lists the types' functions: SystemRelations.Procedures.cs).</summary>
internal static partial class SystemRelations
{
    /// <summary>PostgreSQL 15's built-in range types: (range, element, multirange, element's btree operator class, canonical, subdiff).</summary>
    private static readonly (long Range, long Element, long Multirange, long OperatorClass, string Canonical, string Difference)[] BuiltinRanges =
    [
        (3904, 23, 4451, 1978, "int4range_canonical", "int4range_subdiff"),
        (3906, 1700, 4532, 3125, "-", "numrange_subdiff"),
        (3908, 1114, 4533, 3128, "-", "tsrange_subdiff"),
        (3910, 1184, 4534, 3127, "-", "tstzrange_subdiff"),
        (3912, 1082, 4535, 3122, "daterange_canonical", "daterange_subdiff"),
        (3926, 20, 4536, 3124, "int8range_canonical", "int8range_subdiff"),
    ];

    private static IEnumerable<object?[]> RangeRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach ((long range, long element, long multirange, long operatorClass, string canonical, string difference) in BuiltinRanges)
        {
            yield return relation.Row(("rngtypid", range), ("rngsubtype", element), ("rngmultitypid", multirange), ("rngcollation", 0L),
                ("rngsubopc", operatorClass), ("rngcanonical", Procedure(canonical)), ("rngsubdiff", Procedure(difference)));
        }
    }
}
