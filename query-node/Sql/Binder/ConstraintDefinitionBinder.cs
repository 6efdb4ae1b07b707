using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// UNIQUE and CHECK constraints of CREATE TABLE and the definition of CREATE INDEX, bound into catalog descriptors
/// with PostgreSQL's names: a CHECK on one column is t_col_check, any other t_check; a UNIQUE constraint's index is
/// t_cols_key; an unnamed index t_cols_idx (an expression counts as its function's name, or expr); a name already
/// taken gets 1, 2, ... appended.
/// </summary>
internal static class ConstraintDefinitionBinder
{
    /// <summary>The table with the constraints of <paramref name="create"/> added. Index names are only made unique
    /// among the table's own relations here; <paramref name="relationNameTaken"/> says which other names exist.</summary>
    public static TableDescriptor Bind(TableDescriptor table, CreateStmt create, Func<string, bool>? relationNameTaken = null)
    {
        var constraints = create.Columns.SelectMany(column => column.Constraints).Concat(create.Constraints).ToList();
        if (constraints.Count == 0) return table;
        var checks = new List<CheckConstraint>();
        var indexes = new List<IndexDescriptor>();
        int nextIndexId = table.NextIndexId;
        var constraintNames = new HashSet<string>(StringComparer.Ordinal);
        bool RelationTaken(string name) => name == table.Name || indexes.Exists(index => index.Name == name) || relationNameTaken?.Invoke(name) == true;
        // PostgreSQL names the CHECK constraints first, then the indexes, each in the order written.
        foreach (TableConstraint constraint in constraints.Where(constraint => constraint.Kind == TableConstraintKind.Check))
        {
            BindCheck(table, constraint.Check!);
            string name = constraint.Name ?? ChooseName(table.Name, CheckColumns(table, constraint.Check!), "check", constraintNames.Contains);
            if (!constraintNames.Add(name))
            {
                throw new SqlException(SqlState.DuplicateObject, $"constraint \"{name}\" for relation \"{RelationNames.NameOf(table.Name)}\" already exists");
            }
            checks.Add(new CheckConstraint(name, constraint.CheckText!));
        }
        foreach (TableConstraint constraint in constraints.Where(constraint => constraint.Kind == TableConstraintKind.Unique))
        {
            var keys = new List<IndexKeyColumn>();
            foreach ((string columnName, int location) in constraint.Columns)
            {
                int ordinal = table.OrdinalOf(columnName);
                if (ordinal < 0)
                {
                    throw new SqlException(SqlState.UndefinedColumn, $"column \"{columnName}\" named in key does not exist", location + 1);
                }
                keys.Add(new IndexKeyColumn(table.Columns[ordinal].Id, null, Descending: false, NullsFirst: false));
            }
            CheckKeyCount(keys.Count);
            string name = constraint.Name ?? ChooseName(table.Name, constraint.Columns.Select(column => column.Name).ToList(), "key",
                candidate => RelationTaken(candidate) || constraintNames.Contains(candidate));
            if (RelationTaken(name)) throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
            constraintNames.Add(name);
            indexes.Add(new IndexDescriptor(nextIndexId++, name, keys, [], null, IsUnique: true, constraint.NullsNotDistinct, IndexState.Valid, IsConstraint: true,
                Deferral: constraint.Deferral));
        }
        CheckIndexCount(table.Name, indexes.Count);
        return new TableDescriptor(table.Id, table.Name, table.Version, table.NextColumnId, table.Columns, table.PrimaryKeyOrdinals,
            indexes, checks.OrderBy(check => check.Name, StringComparer.Ordinal).ToArray(), nextIndexId);
    }

    /// <summary>ALTER TABLE ... ADD CHECK: the constraint bound against the table, named as CREATE TABLE names it;
    /// <paramref name="constraintNameTaken"/> says which names the table's constraints already have.</summary>
    public static CheckConstraint BindAddedCheck(TableDescriptor table, TableConstraint constraint, bool notValid, Func<string, bool> constraintNameTaken)
    {
        BindCheck(table, constraint.Check!);
        string name = constraint.Name ?? ChooseName(table.Name, CheckColumns(table, constraint.Check!), "check", constraintNameTaken);
        if (constraintNameTaken(name))
        {
            throw new SqlException(SqlState.DuplicateObject, $"constraint \"{name}\" for relation \"{RelationNames.NameOf(table.Name)}\" already exists");
        }
        return new CheckConstraint(name, constraint.CheckText!, IsValidated: !notValid);
    }

    /// <summary>
    /// An index key's operator class (Django writes varchar_pattern_ops for LIKE 'prefix%' lookups): the pattern classes
    /// order strings by code point, which is Log's one text order, so an index with them is the same index; the
    /// default class of the key's type (int4_ops) is accepted too. Anything else is refused as PostgreSQL refuses it.
    /// </summary>
    private static void CheckOperatorClass(IndexElem element, SqlType type)
    {
        if (element.OperatorClass is not { } name) return;
        bool accepts = name switch
        {
            "text_pattern_ops" or "varchar_pattern_ops" => type.Kind is TypeKind.Text or TypeKind.Varchar,
            "bpchar_pattern_ops" => type.Kind == TypeKind.Bpchar,
            _ when name == type.InternalName + "_ops" => true,
            _ => throw new SqlException(SqlState.UndefinedObject, $"operator class \"{name}\" does not exist for access method \"btree\"", element.Location + 1),
        };
        if (!accepts)
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"operator class \"{name}\" does not accept data type {type.DisplayName}", element.Location + 1);
        }
    }

    /// <summary>CREATE INDEX: the new index (state Building until its entries are written), named
    /// <paramref name="name"/> or by PostgreSQL's rule.</summary>
    public static IndexDescriptor BindIndex(TableDescriptor table, IndexStmt statement, Func<string, bool> relationNameTaken)
    {
        if (statement.Keys.Count + statement.Include.Count > SqlLimits.IndexKeyColumnsMax) CheckKeyCount(statement.Keys.Count + statement.Include.Count);
        CheckIndexCount(table.Name, table.Indexes.Count + 1);
        var keys = new List<IndexKeyColumn>();
        var nameParts = new List<string>();
        foreach (IndexElem element in statement.Keys)
        {
            bool nullsFirst = element.NullsFirst ?? element.Descending;
            if (element.Column is { } columnName)
            {
                int ordinal = table.OrdinalOf(columnName);
                if (ordinal < 0) throw new SqlException(SqlState.UndefinedColumn, $"column \"{columnName}\" does not exist", element.Location + 1);
                CheckOperatorClass(element, table.Columns[ordinal].Type);
                keys.Add(new IndexKeyColumn(table.Columns[ordinal].Id, null, element.Descending, nullsFirst));
                nameParts.Add(columnName);
                continue;
            }
            var binder = new SqlBinder(table, table.Name);
            CheckOperatorClass(element, binder.Bind(element.Expression!).Type);
            keys.Add(new IndexKeyColumn(0, element.ExpressionText, element.Descending, nullsFirst));
            nameParts.Add(element.Expression is FuncCall call ? call.Name : "expr");
        }
        var include = new List<int>();
        foreach ((string columnName, int location) in statement.Include)
        {
            int ordinal = table.OrdinalOf(columnName);
            if (ordinal < 0) throw new SqlException(SqlState.UndefinedColumn, $"column \"{columnName}\" does not exist", location + 1);
            include.Add(table.Columns[ordinal].Id);
        }
        if (statement.Where is not null)
        {
            var binder = new SqlBinder(table, table.Name);
            binder.CoerceToBoolean(binder.Bind(statement.Where), statement.Where, "WHERE");
        }
        string name = statement.Name ?? ChooseName(table.Name, nameParts, "idx", relationNameTaken);
        return new IndexDescriptor(table.NextIndexId, name, keys, include, statement.WhereText, statement.IsUnique, statement.NullsNotDistinct,
            IndexState.Building, IsConstraint: false);
    }

    internal static void CheckKeyCount(int count)
    {
        if (count > SqlLimits.IndexKeyColumnsMax)
        {
            throw new SqlException(EngineSqlState.TooManyColumns, $"cannot use more than {SqlLimits.IndexKeyColumnsMax} columns in an index");
        }
    }

    internal static void CheckIndexCount(string tableName, int count)
    {
        if (count > SqlLimits.IndexesPerTableMax)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, $"table \"{tableName}\" can have at most {SqlLimits.IndexesPerTableMax} indexes");
        }
    }

    private static void BindCheck(TableDescriptor table, Expression check)
    {
        var binder = new SqlBinder(table, table.Name);
        binder.CoerceToBoolean(binder.Bind(check), check, "CHECK");
    }

    /// <summary>The distinct columns a CHECK names, in the order they first appear (its name uses a sole one).</summary>
    private static List<string> CheckColumns(TableDescriptor table, Expression check)
    {
        var columns = ParseTree.Walk(check).OfType<ColumnRef>()
            .Select(reference => reference.Fields[^1])
            .Where(name => table.OrdinalOf(name) >= 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return columns.Count == 1 ? columns : [];
    }

    /// <summary>PostgreSQL's ChooseConstraintName/ChooseRelationName: table_parts_suffix, then with 1, 2, ... appended
    /// until the name is free (kept within the identifier length).</summary>
    internal static string ChooseName(string tableName, IReadOnlyList<string> parts, string suffix, Func<string, bool> taken)
    {
        string stem = string.Join("_", new[] { tableName }.Concat(parts));
        for (int attempt = 0; ; attempt++)
        {
            string tail = "_" + suffix + (attempt == 0 ? "" : attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
            string head = stem.Length + tail.Length > SqlLimits.IdentifierLengthBytesMax ? stem[..Math.Max(1, SqlLimits.IdentifierLengthBytesMax - tail.Length)] : stem;
            string candidate = head + tail;
            if (!taken(candidate)) return candidate;
        }
    }
}
