using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>A constraint as pg_constraint shows it: p (primary key), u (unique) or c (check).</summary>
internal sealed record TableConstraint(long Oid, string Name, char Type, long IndexOid, IReadOnlyList<int>? ColumnNumbers, string Definition,
    bool Validated = true);

/// <summary>
/// The SQL text the catalog functions print for schema objects: pg_get_indexdef, pg_get_constraintdef and
/// pg_get_expr of a column default. Expressions (CHECK, index expressions and predicates, DEFAULT expressions) are
/// shown as Log keeps them, their source text, where PostgreSQL prints its own deparsed form.
/// </summary>
internal static class CatalogDefinitions
{
    public static IEnumerable<TableConstraint> ConstraintsOf(TableDescriptor table)
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
            if (index.IsPrimary)
            {
                yield return new TableConstraint(indexOid, RelationNames.NameOf(index.Name), 'p', indexOid, numbers,
                    $"PRIMARY KEY ({ColumnList(table, index.KeyColumns.Select(key => table.OrdinalOfColumnId(key.ColumnId)))})");
                continue;
            }
            yield return new TableConstraint(indexOid, RelationNames.NameOf(index.Name), 'u', indexOid, numbers,
                $"UNIQUE{nulls} ({ColumnList(table, index.KeyColumns.Select(key => table.OrdinalOfColumnId(key.ColumnId)))}){include}");
        }
        for (int position = 0; position < table.Checks.Count; position++)
        {
            CheckConstraint check = table.Checks[position];
            yield return new TableConstraint(ObjectIds.CheckConstraint(tableOid, position), check.Name, 'c', 0, null,
                $"CHECK ({check.Expression}){(check.IsValidated ? "" : " NOT VALID")}", check.IsValidated);
        }
    }

    private static string ColumnList(TableDescriptor table, IEnumerable<int> ordinals) =>
        string.Join(", ", ordinals.Select(ordinal => QualifiedNames.Quote(table.Columns[ordinal].Name)));

    /// <summary>pg_get_constraintdef: the constraint's definition by its OID, or null when no constraint has it.</summary>
    public static string? ConstraintDefinition(CatalogSnapshot catalog, long oid)
    {
        (long tableOid, int subObject) = ObjectIds.Split(oid);
        if (catalog.FindTable(tableOid) is not { } table) return null;
        int foreignKey = subObject - ObjectIds.ForeignKeyConstraintBase;
        if (foreignKey >= 0) return foreignKey < table.ForeignKeys.Count ? ForeignKeyDefinition(catalog, table, table.ForeignKeys[foreignKey]) : null;
        return ConstraintsOf(table).FirstOrDefault(constraint => constraint.Oid == oid)?.Definition;
    }

    /// <summary>A foreign key as pg_get_constraintdef prints it: FOREIGN KEY (b) REFERENCES a(id), then the actions
    /// that are not NO ACTION (update first), as ruleutils.c orders them.</summary>
    public static string ForeignKeyDefinition(CatalogSnapshot catalog, TableDescriptor table, ForeignKeyConstraint foreignKey)
    {
        TableDescriptor? referenced = catalog.FindRelationOid(SqlCatalog.DefaultSchema, foreignKey.ReferencedTable) is long oid ? catalog.FindTable(oid) : null;
        string referencedColumns = referenced is null
            ? ""
            : ColumnList(referenced, foreignKey.ReferencedColumnIds.Select(referenced.OrdinalOfColumnId));
        string definition = $"FOREIGN KEY ({ColumnList(table, foreignKey.ColumnIds.Select(table.OrdinalOfColumnId))}) " +
            $"REFERENCES {QualifiedNames.Quote(foreignKey.ReferencedTable)}({referencedColumns})";
        if (foreignKey.OnUpdate != ForeignKeyAction.NoAction) definition += " ON UPDATE " + ActionText(foreignKey.OnUpdate);
        if (foreignKey.OnDelete != ForeignKeyAction.NoAction) definition += " ON DELETE " + ActionText(foreignKey.OnDelete);
        return definition;
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
    public static string? IndexDefinition(TableDescriptor table, int indexId)
    {
        (string schema, string relation) = RelationNames.Split(table.Name);
        string tableName = $"{QualifiedNames.Quote(schema)}.{QualifiedNames.Quote(relation)}";
        if (indexId == TableDescriptor.PrimaryIndexId)
        {
            if (table.HasHiddenRowId) return null;
            return $"CREATE UNIQUE INDEX {QualifiedNames.Quote(RelationNames.NameOf(table.PrimaryKeyConstraintName))} ON {tableName} USING btree ({ColumnList(table, table.PrimaryKeyOrdinals)})";
        }
        IndexDescriptor? index = table.Indexes.FirstOrDefault(candidate => candidate.Id == indexId);
        if (index is null) return null;
        var keys = index.KeyColumns.Select(key =>
        {
            string text = key.IsExpression ? $"({key.Expression})" : QualifiedNames.Quote(table.Columns[table.OrdinalOfColumnId(key.ColumnId)].Name);
            if (key.Descending) text += " DESC";
            if (key.NullsFirst && !key.Descending) text += " NULLS FIRST";
            if (!key.NullsFirst && key.Descending) text += " NULLS LAST";
            return text;
        });
        string definition = $"CREATE {(index.IsUnique ? "UNIQUE " : "")}INDEX {QualifiedNames.Quote(RelationNames.NameOf(index.Name))} ON {tableName} USING btree ({string.Join(", ", keys)})";
        if (index.IncludeColumnIds.Count > 0) definition += $" INCLUDE ({ColumnList(table, index.IncludeColumnIds.Select(table.OrdinalOfColumnId))})";
        if (index.NullsNotDistinct) definition += " NULLS NOT DISTINCT";
        if (index.Predicate is not null) definition += $" WHERE ({index.Predicate})";
        return definition;
    }

    /// <summary>nextval('s') as PostgreSQL deparses it, nextval('s'::regclass): its argument is a regclass, which
    /// the parser made of the literal; any other expression as written.</summary>
    private static string SequenceArgumentAsRegClass(string expression) =>
        global::System.Text.RegularExpressions.Regex.Replace(expression, @"^nextval\('((?:[^']|'')*)'\)$", "nextval('$1'::regclass)");

    /// <summary>Whether the column has a default pg_attrdef lists: DEFAULT NULL is none on PostgreSQL (the parser
    /// drops it), and an identity column's values come from its sequence (attidentity says so).</summary>
    public static bool HasCatalogDefault(ColumnDescriptor column) =>
        column.HasDefault && column.Identity is null && (column.DefaultValue is not null || column.DefaultExpression is not null || column.Generated is not null);

    /// <summary>A column default as pg_get_expr prints it: a number as the literal PostgreSQL keeps before the
    /// implicit cast to the column's type (5, 1.5, '-5'::integer), a boolean as true/false, any other constant as a
    /// literal cast to the column's type ('x'::text, 'x'::character varying, 'ab'::bpchar); an expression as written.</summary>
    public static string? DefaultExpression(ColumnDescriptor column)
    {
        // pg_attrdef holds a stored generated column's expression (attgenerated tells them apart).
        if (column.Generated is not null) return column.Generated.Trim();
        if (column.DefaultExpression is not null)
        {
            string expression = column.DefaultExpression.Trim();
            return SqlValueFunctions.Contains(expression) ? expression.ToUpperInvariant() : SequenceArgumentAsRegClass(expression);
        }
        if (column.DefaultValue is null) return null;
        string text = ValueFormatter.Format(column.DefaultValue, DateTimeSettings.Default)!;
        if (column.Type.Kind == TypeKind.Bool) return text == "t" ? "true" : "false";
        if (column.Type.IsNumber && NumberLiteral(text) is { } literal) return literal;
        string typeName = column.Type.Kind == TypeKind.Bpchar ? "bpchar" : column.Type.DisplayName;
        return $"{Functions.BuiltinFunctions.QuoteLiteral(text)}::{typeName}";
    }

    /// <summary>The SQL-standard value functions, which ruleutils.c prints in capitals (CURRENT_DATE).</summary>
    private static readonly HashSet<string> SqlValueFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp", "current_user", "session_user", "user",
        "current_role", "current_catalog", "current_schema",
    };

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
