using Log.QueryNode.Sql.Catalog.Deparse;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>A constraint as pg_constraint shows it: p (primary key), u (unique) or c (check).</summary>
internal sealed record TableConstraint(long Oid, string Name, char Type, long IndexOid, IReadOnlyList<int>? ColumnNumbers, string Definition,
    bool Validated = true, ConstraintDeferral Deferral = ConstraintDeferral.NotDeferrable);

/// <summary>
/// The SQL text the catalog functions print for schema objects: pg_get_indexdef, pg_get_constraintdef and
/// pg_get_expr of a column default. Expressions (CHECK, index expressions and predicates, DEFAULT expressions) are
/// kept as their source text and printed as ruleutils.c deparses them (Deparse/ExpressionDeparser.cs).
/// </summary>
internal static class CatalogDefinitions
{
    /// <summary>The table's constraints; <paramref name="pretty"/> deparses CHECK expressions as
    /// pg_get_constraintdef(oid, true) does.</summary>
    public static IEnumerable<TableConstraint> ConstraintsOf(TableDescriptor table, bool pretty = false)
    {
        long tableOid = ObjectIds.Relation(table.Id);
        if (!table.HasHiddenRowId)
        {
            long indexOid = ObjectIds.Index(tableOid, TableDescriptor.PrimaryIndexId);
            int[] numbers = table.PrimaryKeyOrdinals.Select(ordinal => table.Columns[ordinal].Id).ToArray();
            yield return new TableConstraint(indexOid, RelationNames.NameOf(table.PrimaryKeyConstraintName), 'p', indexOid, numbers,
                $"PRIMARY KEY ({ColumnList(table, table.PrimaryKeyOrdinals)})");
        }
        foreach (IndexDescriptor index in table.Indexes)
        {
            if (!index.IsConstraint || !index.IsUnique) continue;
            long indexOid = ObjectIds.Index(tableOid, index.Id);
            int[] numbers = index.KeyColumns.Select(key => key.ColumnId).ToArray();
            string nulls = index.NullsNotDistinct ? " NULLS NOT DISTINCT" : "";
            string include = index.IncludeColumnIds.Count == 0 ? "" : $" INCLUDE ({ColumnList(table, index.IncludeColumnIds.Select(table.OrdinalOfColumnId))})";
            string deferral = index.Deferral.DefinitionSuffix();
            if (index.IsPrimary)
            {
                yield return new TableConstraint(indexOid, RelationNames.NameOf(index.Name), 'p', indexOid, numbers,
                    $"PRIMARY KEY ({ColumnList(table, index.KeyColumns.Select(key => table.OrdinalOfColumnId(key.ColumnId)))}){deferral}", Deferral: index.Deferral);
                continue;
            }
            yield return new TableConstraint(indexOid, RelationNames.NameOf(index.Name), 'u', indexOid, numbers,
                $"UNIQUE{nulls} ({ColumnList(table, index.KeyColumns.Select(key => table.OrdinalOfColumnId(key.ColumnId)))}){include}{deferral}", Deferral: index.Deferral);
        }
        for (int position = 0; position < table.Checks.Count; position++)
        {
            CheckConstraint check = table.Checks[position];
            yield return new TableConstraint(ObjectIds.CheckConstraint(tableOid, position), check.Name, 'c', 0, CheckColumnNumbers(table, check),
                $"CHECK ({CheckExpression(table, check, pretty)}){(check.IsValidated ? "" : " NOT VALID")}", check.IsValidated);
        }
    }

    /// <summary>A CHECK constraint's expression as ruleutils deparses it (the body of pg_get_constraintdef's CHECK (...),
    /// information_schema.check_constraints' check_clause without its CHECK).</summary>
    public static string CheckExpression(TableDescriptor table, CheckConstraint check, bool pretty = false) =>
        ExpressionDeparser.DeparseText(table, check.Expression, pretty);

    /// <summary>An index key expression as pg_get_indexdef prints one column of it: a call bare, anything else
    /// parenthesised (ruleutils' looks_like_function).</summary>
    public static string IndexKeyExpression(TableDescriptor table, string expression, bool pretty = false)
    {
        string text = ExpressionDeparser.DeparseText(table, expression, pretty);
        return ExpressionDeparser.LooksLikeFunction(expression) ? text : $"({text})";
    }

    /// <summary>A partial index's predicate as pg_get_indexdef and pg_get_expr(indpred) print it.</summary>
    public static string IndexPredicate(TableDescriptor table, string predicate, bool pretty = false) =>
        ExpressionDeparser.DeparseText(table, predicate, pretty);

    private static string ColumnList(TableDescriptor table, IEnumerable<int> ordinals) =>
        string.Join(", ", ordinals.Select(ordinal => QualifiedNames.Quote(table.Columns[ordinal].Name)));

    /// <summary>pg_get_constraintdef: the constraint's definition by its OID, or null when no constraint has it.</summary>
    public static string? ConstraintDefinition(CatalogSnapshot catalog, long oid, bool pretty = false)
    {
        (long tableOid, int subObject) = ObjectIds.Split(oid);
        if (catalog.FindTable(tableOid) is not { } table) return null;
        int foreignKey = subObject - ObjectIds.ForeignKeyConstraintBase;
        if (foreignKey >= 0) return foreignKey < table.ForeignKeys.Count ? ForeignKeyDefinition(catalog, table, table.ForeignKeys[foreignKey]) : null;
        return ConstraintsOf(table, pretty).FirstOrDefault(constraint => constraint.Oid == oid)?.Definition;
    }

    /// <summary>The columns a CHECK constraint reads, by attribute number in the order the expression first names them
    /// (pg_constraint.conkey, as PostgreSQL fills it); null when its text does not parse.</summary>
    private static int[]? CheckColumnNumbers(TableDescriptor table, CheckConstraint check)
    {
        try
        {
            return SystemRelations.ColumnsNamedIn(table, check.Expression).Distinct(StringComparer.Ordinal)
                .Select(name => table.Columns[table.OrdinalOf(name)].Id).ToArray();
        }
        catch (Execution.SqlException)
        {
            return null;
        }
    }

    /// <summary>pg_constraint.conbin of a CHECK constraint: its expression alone, as pg_get_expr prints it back.</summary>
    public static string? CheckConstraintExpression(TableDescriptor table, long constraintOid)
    {
        (_, int subObject) = ObjectIds.Split(constraintOid);
        int position = subObject - ObjectIds.CheckConstraintBase;
        return position >= 0 && position < table.Checks.Count ? CheckExpression(table, table.Checks[position]) : null;
    }

    /// <summary>A foreign key as pg_get_constraintdef prints it: FOREIGN KEY (b) REFERENCES a(id), then the actions
    /// that are not NO ACTION (update first), as ruleutils.c orders them.</summary>
    public static string ForeignKeyDefinition(CatalogSnapshot catalog, TableDescriptor table, ForeignKeyConstraint foreignKey)
    {
        TableDescriptor? referenced = catalog.FindTableByCatalogName(foreignKey.ReferencedTable);
        // As ruleutils.c's generate_relation_name: the name alone when search_path finds it so, else schema-qualified.
        string referencedName = (referenced is null ? null : catalog.RelationName(ObjectIds.Relation(referenced.Id)))
            ?? QualifiedNames.Quote(RelationNames.NameOf(foreignKey.ReferencedTable));
        string referencedColumns = referenced is null
            ? ""
            : ColumnList(referenced, foreignKey.ReferencedColumnIds.Select(referenced.OrdinalOfColumnId));
        string definition = $"FOREIGN KEY ({ColumnList(table, foreignKey.ColumnIds.Select(table.OrdinalOfColumnId))}) " +
            $"REFERENCES {referencedName}({referencedColumns})";
        if (foreignKey.OnUpdate != ForeignKeyAction.NoAction) definition += " ON UPDATE " + ActionText(foreignKey.OnUpdate);
        if (foreignKey.OnDelete != ForeignKeyAction.NoAction) definition += " ON DELETE " + ActionText(foreignKey.OnDelete);
        return definition + foreignKey.Deferral.DefinitionSuffix() + (foreignKey.IsValidated ? "" : " NOT VALID");
    }

    private static string ActionText(ForeignKeyAction action) => action switch
    {
        ForeignKeyAction.Restrict => "RESTRICT",
        ForeignKeyAction.Cascade => "CASCADE",
        ForeignKeyAction.SetNull => "SET NULL",
        ForeignKeyAction.SetDefault => "SET DEFAULT",
        _ => "NO ACTION",
    };

    /// <summary>pg_get_indexdef: CREATE [UNIQUE] INDEX name ON public.table USING btree (keys) [INCLUDE (...)] [WHERE ...].</summary>
    public static string? IndexDefinition(TableDescriptor table, int indexId, bool pretty = false)
    {
        (string schema, string relation) = RelationNames.Split(table.Name);
        // The pretty form names the table unqualified when the search path finds it (PRETTYFLAG_SCHEMA).
        string tableName = pretty && schema == SqlCatalog.DefaultSchema ? QualifiedNames.Quote(relation) : $"{QualifiedNames.Quote(schema)}.{QualifiedNames.Quote(relation)}";
        if (indexId == TableDescriptor.PrimaryIndexId)
        {
            if (table.HasHiddenRowId) return null;
            return $"CREATE UNIQUE INDEX {QualifiedNames.Quote(RelationNames.NameOf(table.PrimaryKeyConstraintName))} ON {tableName} USING btree ({ColumnList(table, table.PrimaryKeyOrdinals)})";
        }
        IndexDescriptor? index = table.Indexes.FirstOrDefault(candidate => candidate.Id == indexId);
        if (index is null) return null;
        var keys = index.KeyColumns.Select(key =>
        {
            string text = key.IsExpression ? IndexKeyExpression(table, key.Expression!, pretty) : QualifiedNames.Quote(table.Columns[table.OrdinalOfColumnId(key.ColumnId)].Name);
            if (key.Descending) text += " DESC";
            if (key.NullsFirst && !key.Descending) text += " NULLS FIRST";
            if (!key.NullsFirst && key.Descending) text += " NULLS LAST";
            return text;
        });
        string definition = $"CREATE {(index.IsUnique ? "UNIQUE " : "")}INDEX {QualifiedNames.Quote(RelationNames.NameOf(index.Name))} ON {tableName} USING btree ({string.Join(", ", keys)})";
        if (index.IncludeColumnIds.Count > 0) definition += $" INCLUDE ({ColumnList(table, index.IncludeColumnIds.Select(table.OrdinalOfColumnId))})";
        if (index.NullsNotDistinct) definition += " NULLS NOT DISTINCT";
        if (index.Predicate is not null) definition += $" WHERE {IndexPredicate(table, index.Predicate, pretty)}";
        return definition;
    }

    /// <summary>Whether the column has a default pg_attrdef lists: DEFAULT NULL is none on PostgreSQL (the parser
    /// drops it), and an identity column's values come from its sequence (attidentity says so).</summary>
    public static bool HasCatalogDefault(ColumnDescriptor column) =>
        column.HasDefault && column.Identity is null && (column.DefaultValue is not null || column.DefaultExpression is not null || column.Generated is not null);

    /// <summary>A column default as pg_get_expr prints it: a number as the literal PostgreSQL keeps before the
    /// implicit cast to the column's type (5, 1.5, '-5'::integer), a boolean as true/false, any other constant as a
    /// literal cast to the column's type ('x'::text, 'x'::character varying, 'ab'::bpchar); an expression deparsed.</summary>
    public static string? DefaultExpression(TableDescriptor table, ColumnDescriptor column)
    {
        // pg_attrdef holds a stored generated column's expression (attgenerated tells them apart); it reads the table's
        // other columns, whose types the deparser needs for the implicit casts PostgreSQL shows ((2)::numeric).
        if (column.Generated is not null) return ExpressionDeparser.DeparseText(table, column.Generated);
        if (column.DefaultExpression is not null) return ExpressionDeparser.DeparseText(null, column.DefaultExpression);
        if (column.DefaultValue is null) return null;
        string text = ValueFormatter.Format(column.DefaultValue, DateTimeSettings.Default)!;
        if (column.Type.Kind == TypeKind.Bool) return text == "t" ? "true" : "false";
        if (column.Type.IsNumber && NumberLiteral(text) is { } literal) return literal;
        string typeName = column.Type.Kind == TypeKind.Bpchar ? "bpchar" : column.Type.DisplayName;
        return $"{Functions.BuiltinFunctions.QuoteLiteral(text)}::{typeName}";
    }

    /// <summary>A number as ruleutils.c prints the constant its literal became: an integer that fits int4 or a decimal
    /// bare, unless negative (then quoted and cast to integer or numeric, as a negative constant is); a larger
    /// integer as a bigint. Null for text that is not a plain decimal number (NaN, Infinity, exponents).</summary>
    private static string? NumberLiteral(string text)
    {
        var match = global::System.Text.RegularExpressions.Regex.Match(text, @"^(-?)(\d+)(?:\.(\d+))?$");
        if (!match.Success) return null;
        bool negative = match.Groups[1].Length > 0;
        string fraction = match.Groups[3].Value.TrimEnd('0');
        if (fraction.Length > 0) return negative ? $"'{text}'::numeric" : text;
        string integer = match.Groups[1].Value + match.Groups[2].Value;
        if (int.TryParse(integer, global::System.Globalization.CultureInfo.InvariantCulture, out _)) return negative ? $"'{integer}'::integer" : integer;
        if (long.TryParse(integer, global::System.Globalization.CultureInfo.InvariantCulture, out _)) return $"'{integer}'::bigint";
        return negative ? $"'{integer}'::numeric" : integer;
    }
}
