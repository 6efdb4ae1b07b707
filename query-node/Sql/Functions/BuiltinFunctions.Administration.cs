using System.Globalization;
using System.Numerics;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// The administration functions DBeaver and other tools call to fill their property panels: object sizes
/// (pg_relation_size and its family, pg_size_pretty), the server's start time, whether it is a standby, and index
/// usage statistics. How a relation's size is counted is in BuiltinFunctions.RelationSizes.cs; the database's size is an
/// estimate (one page per relation with storage), since counting it would read every row.
/// </summary>
internal static partial class BuiltinFunctions
{
    /// <summary>PostgreSQL's BLCKSZ (SHOW block_size): sizes are whole pages of it.</summary>
    public const long PageSizeBytes = 8192;

    /// <summary>When this process started, which is when its query node began accepting connections.</summary>
    private static readonly DateTime ServerStartUtc = Executor.StatementContext.TruncateToMicroseconds(
        System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime());

    private static void AddAdministration(FunctionRegistry registry)
    {
        // PostgreSQL's signatures take regclass; an oid or a bigint argument reaches them through the implicit casts.
        Add(registry, "pg_relation_size", [RegClassType], Int8, (arguments, context) => RelationSize(arguments[0], context), Volatility.Volatile);
        Add(registry, "pg_relation_size", [RegClassType, Text], Int8, (arguments, context) => ForkSize(arguments[0], (string)arguments[1]!, context), Volatility.Volatile);
        Add(registry, "pg_table_size", [RegClassType], Int8, (arguments, context) => TableSize(arguments[0], context), Volatility.Volatile);
        Add(registry, "pg_indexes_size", [RegClassType], Int8, (arguments, context) => IndexesSize(arguments[0], context), Volatility.Volatile);
        Add(registry, "pg_total_relation_size", [RegClassType], Int8,
            (arguments, context) => TableSize(arguments[0], context) is long table ? table + (long)IndexesSize(arguments[0], context)! : null, Volatility.Volatile);
        Add(registry, "pg_database_size", [Oid], Int8, (_, context) => DatabaseSize(context), Volatility.Volatile);
        Add(registry, "pg_database_size", [Name], Int8, (_, context) => DatabaseSize(context), Volatility.Volatile);
        Add(registry, "pg_size_pretty", [Int8], Text, (arguments, _) => SizePretty(new BigInteger((long)arguments[0]!), null));
        Add(registry, "pg_size_pretty", [Numeric], Text, (arguments, _) => SizePrettyNumeric((PgNumeric)arguments[0]!));
        Add(registry, "pg_postmaster_start_time", [], TimestampTz, (_, _) => ServerStartUtc, Volatility.Stable);
        // Every query node reads the journal's committed state and accepts writes: none is a standby in recovery.
        Add(registry, "pg_is_in_recovery", [], Bool, (_, _) => false, Volatility.Volatile);
        // Log does not count index scans yet; PostgreSQL's answer for an index nobody has scanned.
        Add(registry, "pg_stat_get_numscans", [Oid], Int8, (_, _) => 0L, Volatility.Stable);
    }

    private static long RelationOid(object? relation) => relation switch
    {
        RegClass regClass => regClass.Oid,
        long oid => oid,
        _ => throw new InvalidOperationException($"a regclass argument arrived as {relation?.GetType().Name}"),
    };

    /// <summary>A relation's main fork; null (as PostgreSQL answers) for an OID that names no relation.</summary>
    private static object? RelationSize(object? relation, EvaluationContext context)
    {
        long oid = RelationOid(relation);
        CatalogSnapshot catalog = CatalogOf(context);
        if (catalog.FindTable(oid) is { } table) return TableMainForkSize(table, context);
        if (FindIndex(catalog, oid) is ({ } indexed, int indexId)) return IndexSize(indexed, indexId, context);
        // pg_catalog's relations are computed from the catalog: views, with no storage.
        if (SystemRelations.All.Any(system => system.Shape.Oid == oid)) return 0L;
        if (catalog.Views.Any(view => ObjectIds.Relation(view.Id) == oid)) return 0L;
        return catalog.RelationName(oid) is null ? null : PageSizeBytes;
    }

    /// <summary>pg_table_size: the main fork and, for a table, its TOAST table's (see <see cref="NeedsToastTable"/>).</summary>
    private static object? TableSize(object? relation, EvaluationContext context)
    {
        object? size = RelationSize(relation, context);
        return CatalogOf(context).FindTable(RelationOid(relation)) is { } table && NeedsToastTable(table) ? (long)size! + PageSizeBytes : size;
    }

    /// <summary>The table and index id of an index's OID, or (null, 0).</summary>
    private static (TableDescriptor? Table, int IndexId) FindIndex(CatalogSnapshot catalog, long oid)
    {
        (long tableOid, int indexId) = ObjectIds.Split(oid);
        return indexId != 0 && catalog.FindTable(tableOid) is { } table && IndexIds(table).Contains(indexId) ? (table, indexId) : (null, 0);
    }

    /// <summary>The main fork has everything a Log relation stores; the other forks (fsm, vm, init) are empty.</summary>
    private static object? ForkSize(object? relation, string fork, EvaluationContext context) => fork switch
    {
        "main" => RelationSize(relation, context),
        "fsm" or "vm" or "init" => RelationSize(relation, context) is null ? null : 0L,
        _ => throw new SqlException(SqlState.InvalidParameterValue, "invalid fork name", hint: "Valid fork names are \"main\", \"fsm\", \"vm\", and \"init\"."),
    };

    /// <summary>The sum of a table's indexes (its primary key's included); 0 for a relation that is no table.</summary>
    private static object? IndexesSize(object? relation, EvaluationContext context)
    {
        long oid = RelationOid(relation);
        CatalogSnapshot catalog = CatalogOf(context);
        if (catalog.FindTable(oid) is not { } table) return RelationSize(relation, context) is null ? null : 0L;
        return IndexIds(table).Sum(indexId => IndexSize(table, indexId, context));
    }

    private static object DatabaseSize(EvaluationContext context)
    {
        CatalogSnapshot catalog = CatalogOf(context);
        long relations = catalog.Sequences.Count + catalog.Tables.Sum(table => 1 + table.Indexes.Count + (table.HasHiddenRowId ? 0 : 1));
        return relations * PageSizeBytes;
    }

    /// <summary>pg_size_pretty's units: each is used below its limit, the ones after bytes rounded half away from zero.</summary>
    private static readonly (string Name, long Limit, bool Rounded, int UnitBits)[] SizeUnits =
    [
        ("bytes", 10 * 1024, false, 0),
        ("kB", 20 * 1024 - 1, true, 10),
        ("MB", 20 * 1024 - 1, true, 20),
        ("GB", 20 * 1024 - 1, true, 30),
        ("TB", 20 * 1024 - 1, true, 40),
        ("PB", 20 * 1024 - 1, true, 50),
    ];

    /// <summary>
    /// pg_size_pretty over an integer number of bytes: divided down unit by unit, truncating toward zero, keeping one
    /// extra bit before a rounded unit so that the last step rounds half away from zero, negative sizes as positive ones.
    /// </summary>
    private static string SizePretty(BigInteger size, string? bytesText)
    {
        for (int unit = 0; ; unit++)
        {
            (string name, long limit, bool rounded, int unitBits) = SizeUnits[unit];
            if (unit == SizeUnits.Length - 1 || BigInteger.Abs(size) < limit)
            {
                if (rounded) size = (size + (size.Sign < 0 ? -1 : 1)) / 2;
                string number = unit == 0 && bytesText is not null ? bytesText : size.ToString(CultureInfo.InvariantCulture);
                return $"{number} {name}";
            }
            var next = SizeUnits[unit + 1];
            int bits = next.UnitBits - unitBits - (next.Rounded ? 1 : 0) + (rounded ? 1 : 0);
            size /= BigInteger.One << bits;
        }
    }

    /// <summary>The numeric overload: the same units over the value's integer part; in bytes it prints the value as it is.</summary>
    private static string SizePrettyNumeric(PgNumeric size)
    {
        // NaN and the infinities are never below a unit's limit, so they end in the last unit, as in PostgreSQL.
        if (!size.IsFinite) return $"{size} {SizeUnits[^1].Name}";
        BigInteger whole = size.Scale <= 0 ? size.Unscaled * BigInteger.Pow(10, -size.Scale) : size.Unscaled / BigInteger.Pow(10, size.Scale);
        return SizePretty(whole, size.ToString());
    }
}
