using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Types;
using Log.QueryNode.Sql.Types.Handlers;

namespace Log.QueryNode.Sql.Functions;

/// <summary>The catalog lookups that ORMs and Python drivers make while they reflect a schema (SQLAlchemy, Django,
/// psycopg2, asyncpg): the sequence behind a serial column, to_reg* (a name's OID or NULL: to_regproc's name must have
/// exactly one function), and the server's address.</summary>
internal static partial class BuiltinFunctions
{
    private static void AddClientCatalog(FunctionRegistry registry)
    {
        Add(registry, "pg_get_serial_sequence", [Text, Text], Text, SerialSequence, Volatility.Stable);
        Add(registry, "to_regtype", [Text], new SqlType(TypeKind.RegType), (arguments, _) =>
            TypeNames.FindOid(TypeNameOf((string)arguments[0]!)) is long oid ? RegTypeHandler.FromOid(oid) : null, Volatility.Stable);
        Add(registry, "to_regproc", [Text], new SqlType(TypeKind.RegProc), (arguments, _) =>
            QualifiedNames.Parse(((string)arguments[0]!).Trim(), null) is var (schema, name) && schema is null or "pg_catalog"
                && FunctionRegistry.Builtins.Lookup(name).Count == 1 ? new RegProc(0, name) : null, Volatility.Stable);
        Add(registry, "to_regnamespace", [Text], new SqlType(TypeKind.RegNamespace), (arguments, _) =>
            QualifiedNames.Parse(((string)arguments[0]!).Trim(), null) is (null, var name) && RegNamespaceHandler.Named(name) is { } schema ? schema : null,
            Volatility.Stable);
        Add(registry, "to_regrole", [Text], new SqlType(TypeKind.RegRole), (arguments, context) => RegRoleHandler.Find((string)arguments[0]!, null, context.Statement), Volatility.Stable);
        Add(registry, "to_regprocedure", [Text], new SqlType(TypeKind.RegProcedure),
            (arguments, _) => RegProcedureHandler.Find((string)arguments[0]!, null), Volatility.Stable);
        // inet until Log has the inet type: its text form, as inet_out writes a host address (no /32 or /128).
        Add(registry, "inet_server_addr", [], Text, (_, context) => ServerEndPoint(context)?.Address.ToString(), Volatility.Stable);
        Add(registry, "inet_server_port", [], Int4, (_, context) => ServerEndPoint(context)?.Port, Volatility.Stable);
    }

    /// <summary>The server's end of the session's connection; IPv4 clients of a dual-stack socket show as IPv4, as
    /// PostgreSQL (which listens on each address family apart) shows them.</summary>
    private static global::System.Net.IPEndPoint? ServerEndPoint(EvaluationContext context) =>
        context.Statement?.Session?.ServerEndPoint is { } endPoint && endPoint.Address.IsIPv4MappedToIPv6
            ? new global::System.Net.IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port)
            : context.Statement?.Session?.ServerEndPoint;

    /// <summary>A type name as regtype input reads it: lower case outside double quotes, pg_catalog. optional.</summary>
    private static string TypeNameOf(string text)
    {
        string name = text.Trim();
        name = name.StartsWith('"') && name.EndsWith('"') && name.Length > 1 ? name[1..^1] : name.ToLowerInvariant();
        return name.StartsWith("pg_catalog.", StringComparison.Ordinal) ? name["pg_catalog.".Length..] : name;
    }

    /// <summary>pg_get_serial_sequence(table, column): the schema-qualified, quoted name of the sequence a serial or
    /// identity column owns, NULL when it owns none. The table name follows SQL's identifier rules (unquoted parts fold
    /// to lower case); the column name is taken literally, as PostgreSQL takes it.</summary>
    private static object? SerialSequence(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        string tableText = (string)arguments[0]!;
        string column = (string)arguments[1]!;
        (string? schema, string name) = QualifiedNames.Parse(tableText.Trim(), null);
        CatalogSnapshot catalog = CatalogOf(context);
        long oid = catalog.FindRelationOid(schema, name)
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{tableText}\" does not exist");
        if (catalog.FindTable(oid) is not { } table)
        {
            // A view or a sequence has no serial columns (and a catalog relation has none Log can name).
            return null;
        }
        if (table.OrdinalOf(column) < 0)
        {
            throw new SqlException(SqlState.UndefinedColumn, $"column \"{column}\" of relation \"{Catalog.RelationNames.NameOf(table.Name)}\" does not exist");
        }
        return catalog.Sequences.FirstOrDefault(sequence => sequence.OwnedByTable == table.Name && sequence.OwnedByColumn == column) is { } owned
            ? QualifiedNames.Quote(Catalog.RelationNames.SchemaOf(owned.Name)) + "." + QualifiedNames.Quote(Catalog.RelationNames.NameOf(owned.Name))
            : null;
    }
}
