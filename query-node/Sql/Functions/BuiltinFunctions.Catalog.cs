using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>The catalog functions psql and drivers call beside the pg_catalog relations: names and definitions of
/// types, indexes, constraints, views and defaults, visibility (every object is in a schema on the search path),
/// comments (BuiltinFunctions.Psql.cs) and privileges (the one user is a superuser).</summary>
internal static partial class BuiltinFunctions
{
    private static readonly SqlType Oid = new(TypeKind.Oid);
    private static readonly SqlType Name = new(TypeKind.Name);
    private static readonly SqlType RegClassType = new(TypeKind.RegClass);

    private static void AddCatalog(FunctionRegistry registry)
    {
        // xid = int4 and xid <> int4 (WHERE xmin = 123): the int4 read as the unsigned 32-bit id it names, as xideqint4 does.
        SqlType xid = new(TypeKind.Xid);
        Add(registry, "xideqint4", [xid, Int4], Bool, (arguments, _) => (long)arguments[0]! == (uint)(int)arguments[1]!);
        Add(registry, "xidneqint4", [xid, Int4], Bool, (arguments, _) => (long)arguments[0]! != (uint)(int)arguments[1]!);
        Add(registry, "format_type", [Oid, Int4], Text, FormatType, Volatility.Stable, strict: false);
        Add(registry, "pg_get_expr", [Text, Oid], Text, (arguments, _) => arguments[0], Volatility.Stable);
        Add(registry, "pg_get_expr", [Text, Oid, Bool], Text,
            (arguments, context) => (bool)arguments[2]! ? PrettyExpression((string)arguments[0]!, (long)arguments[1]!, context) : arguments[0], Volatility.Stable);
        Add(registry, "pg_get_indexdef", [Oid], Text, (arguments, context) => IndexDefinition((long)arguments[0]!, 0, pretty: false, context), Volatility.Stable);
        Add(registry, "pg_get_indexdef", [Oid, Int4, Bool], Text,
            (arguments, context) => IndexDefinition((long)arguments[0]!, (int)arguments[1]!, (bool)arguments[2]!, context), Volatility.Stable);
        Add(registry, "pg_get_constraintdef", [Oid], Text, (arguments, context) => ConstraintDefinition((long)arguments[0]!, pretty: false, context), Volatility.Stable);
        Add(registry, "pg_get_constraintdef", [Oid, Bool], Text,
            (arguments, context) => ConstraintDefinition((long)arguments[0]!, (bool)arguments[1]!, context), Volatility.Stable);
        // Definitions of objects Log has none of (extended statistics, triggers, rules, partition keys): psql asks for
        // them while describing a table, over catalogs that are empty here, so NULL is their answer.
        // Every Log relation psql asks about is an ordinary table, which logical replication could publish.
        Add(registry, "pg_relation_is_publishable", [new SqlType(TypeKind.RegClass)], Bool, (_, _) => true, Volatility.Stable);
        foreach (string name in new[] { "pg_get_statisticsobjdef_columns", "pg_get_triggerdef", "pg_get_ruledef", "pg_get_partkeydef", "pg_get_partition_constraintdef" })
        {
            Add(registry, name, [Oid], Text, (_, _) => null, Volatility.Stable);
        }
        Add(registry, "pg_get_viewdef", [Oid], Text, (arguments, context) => ViewDefinition((long)arguments[0]!, pretty: false, context), Volatility.Stable);
        Add(registry, "pg_get_viewdef", [Oid, Bool], Text,
            (arguments, context) => ViewDefinition((long)arguments[0]!, (bool)arguments[1]!, context), Volatility.Stable);
        Add(registry, "pg_get_userbyid", [Oid], Name, UserById, Volatility.Stable);
        Add(registry, "pg_type_is_visible", [Oid], Bool, TypeIsVisible, Volatility.Stable);
        foreach (string visibility in new[] { "pg_function_is_visible", "pg_collation_is_visible" })
        {
            Add(registry, visibility, [Oid], Bool, (_, _) => true, Volatility.Stable);
        }
        Add(registry, "shobj_description", [Oid, Name], Text, (_, _) => null, Volatility.Stable);
        Add(registry, "pg_encoding_to_char", [Int4], Name, (arguments, _) => (int)arguments[0]! switch { 0 => "SQL_ASCII", 6 => "UTF8", _ => "" });
        Add(registry, "to_regclass", [Text], RegClassType, ToRegClass, Volatility.Stable);
    }

    private static object? FormatType(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        if (arguments[0] is not long oid) return null;
        int modifier = arguments[1] is int value ? value : -1;
        return TypeNames.Format(oid, modifier) ?? "???";
    }

    /// <summary>pg_type_is_visible: a type is visible when its schema is searched (pg_catalog always, information_schema's
    /// domains only with information_schema on search_path); null for an OID no type has, as PostgreSQL answers.</summary>
    private static object? TypeIsVisible(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        if (BuiltinTypes.Find((long)arguments[0]!) is not { } type) return null;
        return type.Namespace == ObjectIds.PgCatalogNamespace
            || (type.Namespace == ObjectIds.InformationSchemaNamespace && SearchPathSchemas(context).Contains(SystemRelations.InformationSchemaSchema));
    }

    private static CatalogSnapshot CatalogOf(EvaluationContext context) =>
        context.Statement?.CatalogSnapshot ?? throw new InvalidOperationException("a catalog function ran without the statement's catalog snapshot");

    private static object? IndexDefinition(long oid, int column, bool pretty, EvaluationContext context)
    {
        (long tableOid, int indexId) = ObjectIds.Split(oid);
        if (CatalogOf(context).FindTable(tableOid) is not { } table || indexId == 0) return null;
        if (column == 0) return CatalogDefinitions.IndexDefinition(table, indexId, pretty);
        if (indexId == Catalog.TableDescriptor.PrimaryIndexId)
        {
            return column <= table.PrimaryKeyOrdinals.Count ? QualifiedNames.Quote(table.Columns[table.PrimaryKeyOrdinals[column - 1]].Name) : "";
        }
        Catalog.IndexDescriptor? index = table.Indexes.FirstOrDefault(candidate => candidate.Id == indexId);
        if (index is null || column > index.KeyColumns.Count) return "";
        Catalog.IndexKeyColumn key = index.KeyColumns[column - 1];
        return key.IsExpression ? CatalogDefinitions.IndexKeyExpression(table, key.Expression!, pretty) : QualifiedNames.Quote(table.Columns[table.OrdinalOfColumnId(key.ColumnId)].Name);
    }

    private static object? ConstraintDefinition(long oid, bool pretty, EvaluationContext context) =>
        CatalogDefinitions.ConstraintDefinition(CatalogOf(context), oid, pretty);

    /// <summary>pg_get_expr(expression, relation, true): the catalog's columns (adbin, indexprs, indpred) hold the plain
    /// deparsed text, which is SQL again, so the pretty form is that text deparsed once more with the pretty flag
    /// over the relation's columns.</summary>
    private static object? PrettyExpression(string expression, long relationOid, EvaluationContext context)
    {
        Catalog.TableDescriptor? table = CatalogOf(context).FindTable(relationOid);
        return Catalog.Deparse.ExpressionDeparser.DeparseText(table, expression, pretty: true);
    }

    private static object? ViewDefinition(long oid, bool pretty, EvaluationContext context)
    {
        CatalogSnapshot catalog = CatalogOf(context);
        return catalog.Views.FirstOrDefault(view => ObjectIds.Relation(view.Id) == oid) is { } view
            ? Catalog.Deparse.ViewDeparser.Definition(catalog, view, pretty)
            : null;
    }

    private static object? UserById(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        long oid = (long)arguments[0]!;
        if (context.Statement?.CatalogSnapshot?.RoleName(oid) is { } stored) return stored;
        return oid switch
        {
            ObjectIds.SuperuserRole => context.Statement?.Session?.LoginUserName ?? DefaultUser,
            ObjectIds.DatabaseOwnerRole => "pg_database_owner",
            _ => $"unknown (OID={oid})",
        };
    }

    private static object? ToRegClass(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        (string? schema, string name) = QualifiedNames.Parse(((string)arguments[0]!).Trim(), null);
        return CatalogOf(context).FindRelationOid(schema, name) is long oid ? new RegClass(oid, CatalogOf(context).RelationName(oid) ?? QualifiedNames.Quote(name)) : null;
    }
}
