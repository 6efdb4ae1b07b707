using Log.QueryNode.Sql.Functions;
using Log.Wire.Types;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>What psql's describe commands read beyond the relations and their columns: foreign keys as
/// pg_constraint rows (both sides of \d), comments as pg_description rows, the languages of pg_proc, and the
/// functions of the registry by OID (\df and pg_get_function_*).</summary>
internal static partial class SystemRelations
{
    /// <summary>pg_constraint's rows for a table's foreign keys: the referenced table, its key columns and index, and
    /// the actions (confupdtype, confdeltype) in PostgreSQL's letters.</summary>
    private static IEnumerable<object?[]> ForeignKeyConstraintRows(CatalogSnapshot catalog, SystemRelation relation, TableDescriptor table)
    {
        long tableOid = ObjectIds.Relation(table.Id);
        for (int position = 0; position < table.ForeignKeys.Count; position++)
        {
            ForeignKeyConstraint foreignKey = table.ForeignKeys[position];
            TableDescriptor? referenced = catalog.FindTableByCatalogName(foreignKey.ReferencedTable);
            long referencedOid = referenced is null ? 0 : ObjectIds.Relation(referenced.Id);
            PgArray equalityOperators = PgArray.OneDimensional(foreignKey.ColumnIds.Select(id => (object?)EqualityOperator(table, id)).ToArray());
            yield return relation.Row(("oid", ObjectIds.ForeignKeyConstraint(tableOid, position)), ("conname", RelationNames.NameOf(foreignKey.Name)),
                ("connamespace", catalog.NamespaceOid(table.Name)), ("contype", "f"), ("condeferrable", foreignKey.Deferral.IsDeferrable()),
                ("condeferred", foreignKey.Deferral == ConstraintDeferral.InitiallyDeferred), ("convalidated", foreignKey.IsValidated), ("conrelid", tableOid),
                ("conindid", referenced is null ? 0L : ObjectIds.Index(referencedOid, foreignKey.ReferencedIndexId)), ("confrelid", referencedOid),
                ("confupdtype", ActionCode(foreignKey.OnUpdate)), ("confdeltype", ActionCode(foreignKey.OnDelete)), ("confmatchtype", "s"),
                ("conislocal", true), ("connoinherit", true), ("conkey", ColumnNumbers(foreignKey.ColumnIds)),
                ("confkey", ColumnNumbers(foreignKey.ReferencedColumnIds)), ("conpfeqop", equalityOperators), ("conppeqop", equalityOperators),
                ("conffeqop", equalityOperators));
        }
    }

    private static PgArray ColumnNumbers(IEnumerable<int> columnIds) => PgArray.OneDimensional(columnIds.Select(id => (object?)(short)id).ToArray());

    /// <summary>pg_constraint's letter for a referential action.</summary>
    private static string ActionCode(ForeignKeyAction action) => action switch
    {
        ForeignKeyAction.Restrict => "r",
        ForeignKeyAction.Cascade => "c",
        ForeignKeyAction.SetNull => "n",
        ForeignKeyAction.SetDefault => "d",
        _ => "a",
    };

    /// <summary>The btree equality operator of a key column's type (pg_operator's OIDs), or null for a type this
    /// list does not name.</summary>
    private static long? EqualityOperator(TableDescriptor table, int columnId)
    {
        int ordinal = table.OrdinalOfColumnId(columnId);
        if (ordinal < 0) return null;
        return table.Columns[ordinal].Type.Kind switch
        {
            TypeKind.Bool => 91,
            TypeKind.Int2 => 94,
            TypeKind.Int4 => 96,
            TypeKind.Text or TypeKind.Varchar => 98,
            TypeKind.Int8 => 410,
            TypeKind.Bpchar => 1054,
            TypeKind.Numeric => 1752,
            TypeKind.Uuid => 2972,
            _ => null,
        };
    }

    /// <summary>Whether PostgreSQL would list triggers on the table (pg_class.relhastriggers): a foreign key puts its
    /// internal triggers on both tables, and psql reads the foreign keys of a table only when it has some.</summary>
    private static bool HasForeignKeyTriggers(TableDescriptor table) => table.ForeignKeys.Count > 0 || table.ReferencedBy.Count > 0;

    private const long ClassCatalogOid = 1259;
    private const long NamespaceCatalogOid = 2615;
    private const long ExtensionCatalogOid = 3079;
    private const long LanguageCatalogOid = 2612;

    /// <summary>pg_language.lanplcallfoid of plpgsql: nonzero marks a procedural language, which is what psql's \dL lists.
    /// Log has no pg_proc row for the handler; the number is the one after the extension's, as initdb's order gives.</summary>
    private const long PlpgsqlCallHandlerFunction = ObjectIds.PlpgsqlExtension + 1;

    /// <summary>The descriptions initdb gives the objects Log has too (psql's \dn+ and \dx print them).</summary>
    private static readonly (long ObjectOid, long CatalogOid, string Description)[] BuiltinDescriptions =
    [
        (ObjectIds.PgCatalogNamespace, NamespaceCatalogOid, "system catalog schema"),
        (ObjectIds.PgToastNamespace, NamespaceCatalogOid, "reserved schema for TOAST tables"),
        (ObjectIds.PublicNamespace, NamespaceCatalogOid, "standard public schema"),
        (ObjectIds.PlpgsqlExtension, ExtensionCatalogOid, "PL/pgSQL procedural language"),
        (InternalLanguage, LanguageCatalogOid, "built-in functions"),
        (13, LanguageCatalogOid, "dynamically-loaded C functions"),
        (14, LanguageCatalogOid, "SQL-language functions"),
        (ObjectIds.PlpgsqlLanguage, LanguageCatalogOid, "PL/pgSQL procedural language"),
    ];

    /// <summary>pg_description: the built-in descriptions and every COMMENT ON a relation or column.</summary>
    private static IEnumerable<object?[]> DescriptionRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach ((long objectOid, long catalogOid, string description) in AllBuiltinDescriptions)
        {
            yield return relation.Row(("objoid", objectOid), ("classoid", catalogOid), ("objsubid", 0), ("description", description));
        }
        foreach (((string relationName, int column), string comment) in catalog.Comments)
        {
            if (catalog.FindCatalogRelationOid(relationName) is not long oid) continue;
            yield return relation.Row(("objoid", oid), ("classoid", ClassCatalogOid), ("objsubid", column), ("description", comment));
        }
    }

    /// <summary>obj_description(oid, catalog) and col_description(oid, column): the comment, or null.</summary>
    public static string? Description(CatalogSnapshot catalog, long objectOid, string? catalogName, int column)
    {
        if (column == 0)
        {
            foreach ((long builtinOid, long catalogOid, string description) in AllBuiltinDescriptions)
            {
                if (builtinOid == objectOid && (catalogName is null || SystemRelations.Find(catalogName)?.Shape.Oid == catalogOid)) return description;
            }
        }
        if (catalogName is not (null or "pg_class")) return null;
        return catalog.CatalogName(objectOid) is { } name && catalog.Comments.TryGetValue((name, column), out string? comment) ? comment : null;
    }

    /// <summary>pg_attrdef's OID in pg_class (pg_depend.classid of a column default).</summary>
    private const long AttributeDefaultCatalogOid = 2604;

    /// <summary>pg_depend's rows for sequences that belong to a column: 'a' (auto) for serial and OWNED BY, 'i'
    /// (internal) for an identity column's, as psql reads them for "Owned by"; and for column defaults: 'a' on their
    /// column, and 'n' (normal) on the sequence of a serial column's nextval default, which Django reads to find the
    /// sequences it resets.</summary>
    private static IEnumerable<object?[]> DependencyRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            long tableOid = ObjectIds.Relation(table.Id);
            foreach (ColumnDescriptor column in table.Columns)
            {
                if (!CatalogDefinitions.HasCatalogDefault(column)) continue;
                long defaultOid = ObjectIds.AttributeDefault(tableOid, column.Id);
                yield return relation.Row(("classid", AttributeDefaultCatalogOid), ("objid", defaultOid), ("objsubid", 0), ("refclassid", ClassCatalogOid),
                    ("refobjid", tableOid), ("refobjsubid", column.Id), ("deptype", "a"));
                if (column.DefaultExpression is not { } expression || !expression.Contains("nextval", StringComparison.OrdinalIgnoreCase)) continue;
                foreach (SequenceDescriptor sequence in catalog.Sequences)
                {
                    if (sequence.OwnedByTable != table.Name || sequence.OwnedByColumn != column.Name) continue;
                    yield return relation.Row(("classid", AttributeDefaultCatalogOid), ("objid", defaultOid), ("objsubid", 0), ("refclassid", ClassCatalogOid),
                        ("refobjid", ObjectIds.Relation(sequence.Id)), ("refobjsubid", 0), ("deptype", "n"));
                }
            }
        }
        foreach (SequenceDescriptor sequence in catalog.Sequences)
        {
            if (sequence.OwnedByTable is null || sequence.OwnedByColumn is null) continue;
            if (catalog.FindTableByCatalogName(sequence.OwnedByTable) is not { } table) continue;
            long tableOid = ObjectIds.Relation(table.Id);
            ColumnDescriptor? column = table.Columns.FirstOrDefault(candidate => candidate.Name == sequence.OwnedByColumn);
            if (column is null) continue;
            yield return relation.Row(("classid", ClassCatalogOid), ("objid", ObjectIds.Relation(sequence.Id)), ("objsubid", 0), ("refclassid", ClassCatalogOid),
                ("refobjid", tableOid), ("refobjsubid", column.Id), ("deptype", column.Identity is null ? "a" : "i"));
        }
    }

    /// <summary>pg_language as initdb creates it; the registry's functions are internal ones.</summary>
    private static IEnumerable<object?[]> LanguageRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach ((long oid, string name, bool procedural, bool trusted, long callHandler, long validator) in new (long, string, bool, bool, long, long)[]
                 {
                     (InternalLanguage, "internal", false, false, 0, 2246),
                     (13, "c", false, false, 0, 2247),
                     (14, "sql", false, true, 0, 2248),
                     (ObjectIds.PlpgsqlLanguage, "plpgsql", true, true, PlpgsqlCallHandlerFunction, 0),
                 })
        {
            yield return relation.Row(("oid", oid), ("lanname", name), ("lanowner", ObjectIds.SuperuserRole), ("lanispl", procedural),
                ("lanpltrusted", trusted), ("lanplcallfoid", callHandler), ("lanvalidator", validator));
        }
    }

    private const long InternalLanguage = 12;

    /// <summary>The registry's functions in order: one PostgreSQL lacks has the OID <see cref="FirstFunctionOid"/> plus its place.</summary>
    private static readonly FunctionDefinition[] FunctionsByOid = FunctionRegistry.Builtins.All.ToArray();

    /// <summary>The pseudo-types pg_proc names in argument and result types.</summary>
    public const long AnyPseudoType = 2276;
    public const long AnyArrayPseudoType = 2277;
    public const long AnyElementPseudoType = 2283;
    public const long AnyNonArrayPseudoType = 2776;
    public const long AnyCompatiblePseudoType = 5077;
    public const long AnyCompatibleArrayPseudoType = 5078;

    /// <summary>format_type of the pseudo-types above, or null for another OID.</summary>
    public static string? PseudoTypeName(long oid) => oid switch
    {
        AnyPseudoType => "\"any\"",
        AnyArrayPseudoType => "anyarray",
        AnyElementPseudoType => "anyelement",
        AnyNonArrayPseudoType => "anynonarray",
        AnyCompatiblePseudoType => "anycompatible",
        AnyCompatibleArrayPseudoType => "anycompatiblearray",
        _ => null,
    };

    /// <summary>A declared parameter's type OID (pg_proc.proargtypes).</summary>
    public static long ParameterTypeOid(FunctionDefinition function, ParameterType parameter) => parameter.Pseudo switch
    {
        PseudoType.AnyElement => function.Compatible ? AnyCompatiblePseudoType : AnyElementPseudoType,
        PseudoType.AnyNonArray => AnyNonArrayPseudoType,
        PseudoType.AnyArray => function.Compatible ? AnyCompatibleArrayPseudoType : AnyArrayPseudoType,
        PseudoType.Any => AnyPseudoType,
        _ when parameter.Type.Kind == TypeKind.Unknown => AnyPseudoType,
        _ => parameter.Type.Oid,
    };

    /// <summary>pg_proc.prorettype: the declared result, or the polymorphic pseudo-type it follows.</summary>
    public static long ResultTypeOid(FunctionDefinition function) => function switch
    {
        { ResultFromPolymorphic: true, ResultIsArray: true } => function.Compatible ? AnyCompatibleArrayPseudoType : AnyArrayPseudoType,
        { ResultFromPolymorphic: true } => function.Compatible ? AnyCompatiblePseudoType : AnyElementPseudoType,
        _ => function.ResultType.Oid,
    };

    /// <summary>format_type of a pg_proc type OID: a pseudo-type's name or the type's.</summary>
    public static string FunctionTypeName(long oid) => PseudoTypeName(oid) ?? TypeNames.Format(oid, -1) ?? "???";

    /// <summary>pg_get_function_arguments (and identity arguments: Log's functions have no defaults): the argument
    /// types as a signature lists them, VARIADIC before a variadic one.</summary>
    public static string FunctionArguments(FunctionDefinition function) =>
        string.Join(", ", function.Parameters.Select((parameter, index) =>
            (function.VariadicAny && index == function.Parameters.Count - 1 ? "VARIADIC " : "") + FunctionTypeName(ParameterTypeOid(function, parameter))));
}
