using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Types;
using Log.QueryNode.Sql.Types.Handlers;

namespace Log.QueryNode.Sql.Functions;

/// <summary>has_*_privilege and pg_has_role, with every overload PostgreSQL 15 has. Log's one user is a superuser,
/// so every privilege is held; what the functions check is what PostgreSQL checks first: that the privilege words
/// are ones the object kind has (22023), that a named object exists (its kind's error) and that a named role exists
/// (42704). An object or role given by an OID that does not exist gives NULL, as in PostgreSQL.</summary>
internal static partial class BuiltinFunctions
{
    /// <summary>One has_*_privilege family: the privilege words its objects have, and how a name finds one (null for
    /// "it exists"; otherwise the error for a name that names nothing).</summary>
    private sealed record PrivilegeFamily(string Function, string[] Privileges, Func<string, EvaluationContext, SqlException?> FindByName,
        Func<long, EvaluationContext, bool>? ExistsByOid = null);

    private static readonly PrivilegeFamily[] PrivilegeFamilies =
    [
        new("has_table_privilege", ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"], FindRelationByName, RelationExists),
        new("has_any_column_privilege", ["SELECT", "INSERT", "UPDATE", "REFERENCES"], FindRelationByName, RelationExists),
        new("has_sequence_privilege", ["USAGE", "SELECT", "UPDATE"], FindSequenceByName),
        new("has_database_privilege", ["CREATE", "CONNECT", "TEMPORARY", "TEMP"], (name, context) =>
            name == (context.Statement?.Session?.DatabaseName ?? DefaultDatabase) || name is "postgres" or "template0" or "template1"
                ? null : new SqlException("3D000", $"database \"{name}\" does not exist")),
        new("has_schema_privilege", ["CREATE", "USAGE"], (name, context) =>
            name is "pg_catalog" or "public" or "information_schema" || CatalogOf(context).Schemas.Any(schema => schema.Name == name)
                ? null : new SqlException("3F000", $"schema \"{name}\" does not exist")),
        new("has_function_privilege", ["EXECUTE"], (name, _) =>
            RegProcedureHandler.Find(name, null) is not null ? null : new SqlException(SqlState.UndefinedFunction, $"function \"{name}\" does not exist")),
        new("has_language_privilege", ["USAGE"], (name, _) =>
            name is "internal" or "c" or "sql" or "plpgsql" ? null : new SqlException(SqlState.UndefinedObject, $"language \"{name}\" does not exist")),
        new("has_tablespace_privilege", ["CREATE"], (name, _) =>
            name is "pg_default" or "pg_global" ? null : new SqlException(SqlState.UndefinedObject, $"tablespace \"{name}\" does not exist")),
        new("has_type_privilege", ["USAGE"], (name, _) =>
            TypeNames.FindOid(name.Trim().ToLowerInvariant()) is not null ? null : new SqlException(SqlState.UndefinedObject, $"type \"{name}\" does not exist")),
        // Log has no foreign-data wrappers or foreign servers: every name names nothing.
        new("has_foreign_data_wrapper_privilege", ["USAGE"], (name, _) => new SqlException(SqlState.UndefinedObject, $"foreign-data wrapper \"{name}\" does not exist")),
        new("has_server_privilege", ["USAGE"], (name, _) => new SqlException(SqlState.UndefinedObject, $"server \"{name}\" does not exist")),
        new("has_parameter_privilege", ["SET", "ALTER SYSTEM"], (_, _) => null),
    ];

    private static readonly string[] ColumnPrivileges = ["SELECT", "INSERT", "UPDATE", "REFERENCES"];
    /// <summary>PostgreSQL 15's (SET arrived in 16).</summary>
    private static readonly string[] RolePrivileges = ["MEMBER", "USAGE"];

    private static void AddPrivileges(FunctionRegistry registry)
    {
        foreach (PrivilegeFamily family in PrivilegeFamilies)
        {
            // Parameters have no OIDs, so has_parameter_privilege takes names only.
            SqlType[] objectTypes = family.Function == "has_parameter_privilege" ? [Text] : [Text, Oid];
            foreach (SqlType objectType in objectTypes)
            {
                Add(registry, family.Function, [objectType, Text], Bool,
                    (arguments, context) => CheckPrivilege(family, null, arguments[0]!, (string)arguments[1]!, context), Volatility.Stable);
                foreach (SqlType roleType in new[] { Name, Oid })
                {
                    Add(registry, family.Function, [roleType, objectType, Text], Bool,
                        (arguments, context) => CheckPrivilege(family, arguments[0]!, arguments[1]!, (string)arguments[2]!, context), Volatility.Stable);
                }
            }
        }
        foreach (SqlType tableType in new[] { Text, Oid })
        {
            foreach (SqlType columnType in new[] { Text, Int2 })
            {
                Add(registry, "has_column_privilege", [tableType, columnType, Text], Bool,
                    (arguments, context) => CheckColumnPrivilege(null, arguments[0]!, arguments[1]!, (string)arguments[2]!, context), Volatility.Stable);
                foreach (SqlType roleType in new[] { Name, Oid })
                {
                    Add(registry, "has_column_privilege", [roleType, tableType, columnType, Text], Bool,
                        (arguments, context) => CheckColumnPrivilege(arguments[0]!, arguments[1]!, arguments[2]!, (string)arguments[3]!, context), Volatility.Stable);
                }
            }
        }
        foreach (SqlType roleType in new[] { Name, Oid })
        {
            Add(registry, "pg_has_role", [roleType, Text], Bool, (arguments, context) => CheckRole(null, arguments[0]!, (string)arguments[1]!, context), Volatility.Stable);
            foreach (SqlType userType in new[] { Name, Oid })
            {
                Add(registry, "pg_has_role", [userType, roleType, Text], Bool,
                    (arguments, context) => CheckRole(arguments[0]!, arguments[1]!, (string)arguments[2]!, context), Volatility.Stable);
            }
        }
    }

    private static object? CheckPrivilege(PrivilegeFamily family, object? role, object target, string privileges, EvaluationContext context)
    {
        bool? roleExists = RoleExists(role, context);
        ParsePrivileges(privileges, family.Privileges);
        if (target is string name)
        {
            if (family.FindByName(name, context) is { } error) throw error;
        }
        else if (family.ExistsByOid is { } exists && !exists((long)target, context))
        {
            return null;
        }
        return roleExists is null ? null : Holds(family.Function, role, target, privileges, context) ?? roleExists;
    }

    private static object? CheckColumnPrivilege(object? role, object table, object column, string privileges, EvaluationContext context)
    {
        bool? roleExists = RoleExists(role, context);
        ParsePrivileges(privileges, ColumnPrivileges);
        Catalog.TableDescriptor? descriptor;
        if (table is string tableName)
        {
            if (FindRelationByName(tableName, context) is { } error) throw error;
            descriptor = TableNamed(tableName, context);
        }
        else
        {
            if (!RelationExists((long)table, context)) return null;
            descriptor = CatalogOf(context).FindTable((long)table);
        }
        if (descriptor is null) return roleExists;
        int columnNumber;
        if (column is string columnName)
        {
            if (descriptor.OrdinalOf(columnName) < 0)
            {
                throw new SqlException(SqlState.UndefinedColumn, $"column \"{columnName}\" of relation \"{Catalog.RelationNames.NameOf(descriptor.Name)}\" does not exist");
            }
            columnNumber = descriptor.Columns[descriptor.OrdinalOf(columnName)].Id;
        }
        else if ((short)column is var number && (number < 1 || number > descriptor.Columns.Count))
        {
            return null;
        }
        else
        {
            columnNumber = (short)column;
        }
        return roleExists is null ? null : HoldsOnColumn(role, ObjectIds.Relation(descriptor.Id), columnNumber, privileges, context) ?? roleExists;
    }

    private static object? CheckRole(object? user, object role, string privileges, EvaluationContext context)
    {
        bool? userExists = RoleExists(user, context);
        ParsePrivileges(privileges, RolePrivileges);
        bool? roleExists = RoleExists(role, context);
        return userExists is null || roleExists is null ? null : true;
    }

    /// <summary>true for a role that exists (the current user when none is given); null for an OID no role has; a
    /// name no role has is an error, as PostgreSQL's get_role_oid reports it.</summary>
    private static bool? RoleExists(object? role, EvaluationContext context) => role switch
    {
        null => true,
        string name => RegRoleHandler.Named(name, context.Statement) is not null ? true : throw new SqlException(SqlState.UndefinedObject, $"role \"{name}\" does not exist"),
        long oid => oid is ObjectIds.SuperuserRole or ObjectIds.DatabaseOwnerRole || context.Statement?.CatalogSnapshot?.RoleName(oid) is not null ? true : null,
        _ => throw new InvalidOperationException($"a role argument of type {role.GetType().Name}"),
    };

    /// <summary>A comma-separated list of privilege words, each optionally WITH GRANT OPTION (WITH ADMIN OPTION for
    /// roles), any case; 22023 for a word the object kind does not have.</summary>
    private static void ParsePrivileges(string text, string[] known)
    {
        foreach (string part in text.Split(','))
        {
            string word = string.Join(' ', part.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();
            foreach (string suffix in new[] { " WITH GRANT OPTION", " WITH ADMIN OPTION" })
            {
                if (word.EndsWith(suffix, StringComparison.Ordinal)) word = word[..^suffix.Length];
            }
            if (!known.Contains(word))
            {
                throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized privilege type: \"{part.Trim()}\"");
            }
        }
    }

    private static SqlException? FindRelationByName(string name, EvaluationContext context)
    {
        (string? schema, string relation) = QualifiedNames.Parse(name.Trim(), null);
        return CatalogOf(context).FindRelationOid(schema, relation) is null ? new SqlException(SqlState.UndefinedTable, $"relation \"{name}\" does not exist") : null;
    }

    private static SqlException? FindSequenceByName(string name, EvaluationContext context)
    {
        if (FindRelationByName(name, context) is { } missing) return missing;
        (_, string relation) = QualifiedNames.Parse(name.Trim(), null);
        return CatalogOf(context).Sequences.Any(sequence => sequence.Name == relation) ? null : new SqlException("42809", $"\"{name}\" is not a sequence");
    }

    private static Catalog.TableDescriptor? TableNamed(string name, EvaluationContext context)
    {
        (string? schema, string relation) = QualifiedNames.Parse(name.Trim(), null);
        return CatalogOf(context).FindRelationOid(schema, relation) is long oid ? CatalogOf(context).FindTable(oid) : null;
    }

    private static bool RelationExists(long oid, EvaluationContext context) => CatalogOf(context).RelationName(oid) is not null;
}
