using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    /// <summary>INSERT: the rows to insert as a plan of full table rows (VALUES or the query, values cast by assignment
    /// into the target columns, defaults in the others), then ON CONFLICT and RETURNING over the target.</summary>
    public BoundModification BindInsert(InsertStmt insert)
    {
        if (insert.With is not null) BindWith(insert.With);
        ViewTarget? view = FindTargetView(insert.Relation, ModifyKind.Insert);
        _insertView = view;
        TableDescriptor table = view?.Table ?? FindTargetTable(insert.Relation);
        var targetOrdinals = new List<int>();
        var targetLocations = new List<int>();
        if (insert.Columns is null)
        {
            // Through a view, its columns in order; one that is not a base column fails only if a value is given for it.
            int count = view?.BaseOrdinals.Count ?? table.Columns.Count;
            for (int index = 0; index < count; index++)
            {
                targetOrdinals.Add(view is null ? index : view.BaseOrdinals[index] >= 0 ? view.BaseOrdinals[index] : NotBaseColumnMarker(index));
                targetLocations.Add(insert.Relation.Location);
            }
        }
        else
        {
            foreach (ResTarget column in insert.Columns)
            {
                int ordinal = view is not null ? ViewColumnOrdinal(view, column.Name!, column.Location, "insert into") : table.OrdinalOf(column.Name!);
                if (ordinal < 0)
                {
                    throw new SqlException(SqlState.UndefinedColumn, $"column \"{column.Name}\" of relation \"{RelationNames.NameOf(table.Name)}\" does not exist", column.Location + 1);
                }
                if (targetOrdinals.Contains(ordinal))
                {
                    throw new SqlException(SqlState.DuplicateColumn, $"column \"{column.Name}\" specified more than once", column.Location + 1);
                }
                targetOrdinals.Add(ordinal);
                targetLocations.Add(column.Location);
            }
        }

        LogicalPlan source = insert.Select is not null
            ? BindInsertQuery(insert, table, targetOrdinals, targetLocations)
            : BindInsertValues(insert, table, targetOrdinals, targetLocations);

        string referenceName = view is null ? insert.Relation.Alias ?? table.Name : table.Name;
        BoundOnConflict? onConflict = insert.OnConflict is null ? null
            : BindOnConflict(view is null ? insert.OnConflict : ViewOnConflict(view, insert.OnConflict), table, referenceName, insert.Relation.Location, view);
        _scope.AddItem(view?.Item ?? TableItem(table, referenceName, offset: 0, insert.Relation.Location));
        BoundReturning? returning = BindReturning(insert.ReturningList);
        return new BoundModification(new LogicalModify(ModifyKind.Insert, table, referenceName, source, onConflict, returning?.Projection)
        {
            ViewChecks = view?.Checks ?? [],
        }, returning?.Columns);
    }

    /// <summary>The view INSERT writes through, for the checks of its target columns; null for a table.</summary>
    private ViewTarget? _insertView;

    /// <summary>Stands, in INSERT's target ordinals, for the view column at <paramref name="index"/> that is not a base
    /// column (negative, unlike every table ordinal).</summary>
    private static int NotBaseColumnMarker(int index) => -1 - index;

    /// <summary>A target ordinal that a value is given for: a view column that is not a base column fails here, as in
    /// PostgreSQL.</summary>
    private int UsedTargetOrdinal(int ordinal)
    {
        if (ordinal >= 0) return ordinal;
        ViewTarget view = _insertView ?? throw new InvalidOperationException("a view column marker without a view");
        string name = view.Item.Columns[-1 - ordinal].Name;
        throw new SqlException(SqlState.FeatureNotSupported, $"cannot insert into column \"{name}\" of view \"{view.ViewName}\"", detail: NotBaseColumnDetail);
    }

    /// <summary>ON CONFLICT through a view: its conflict columns and DO UPDATE's SET name the view's columns.</summary>
    private static OnConflictClause ViewOnConflict(ViewTarget view, OnConflictClause conflict)
    {
        if (conflict.Action == OnConflictAction.DoUpdate) conflict = conflict with { TargetList = ViewAssignments(view, conflict.TargetList) };
        return conflict.InferenceColumns is not { } columns ? conflict : conflict with
        {
            InferenceColumns = columns.Select(column => (view.Table.Columns[ViewColumnOrdinal(view, column.Name, column.Location, "insert into")].Name, column.Location)).ToArray(),
        };
    }

    /// <summary>INSERT ... SELECT: the query is a level of its own that sees this statement's WITH queries; its columns
    /// go into the target columns by assignment cast.</summary>
    private LogicalPlan BindInsertQuery(InsertStmt insert, TableDescriptor table, List<int> targetOrdinals, List<int> targetLocations)
    {
        var levelScope = new BindScope(_scope.CreateSibling());
        BoundQuery query = new SqlBinder(_context, levelScope).BindQuery(insert.Select!);
        if (query.Columns.Count > targetOrdinals.Count)
        {
            throw new SqlException(SqlState.SyntaxError, "INSERT has more expressions than target columns");
        }
        if (query.Columns.Count < targetOrdinals.Count && insert.Columns is not null)
        {
            throw new SqlException(SqlState.SyntaxError, "INSERT has more target columns than expressions", targetLocations[query.Columns.Count] + 1);
        }
        targetOrdinals.RemoveRange(query.Columns.Count, targetOrdinals.Count - query.Columns.Count);
        var row = new BoundExpression[table.Columns.Count];
        for (int ordinal = 0; ordinal < row.Length; ordinal++) row[ordinal] = DefaultOf(table.Columns[ordinal]);
        for (int index = 0; index < targetOrdinals.Count; index++)
        {
            targetOrdinals[index] = UsedTargetOrdinal(targetOrdinals[index]);
            ColumnDescriptor column = table.Columns[targetOrdinals[index]];
            if (OverridesIdentity(column, insert.Override)) continue;
            SqlType sourceType = query.Types[index];
            if (sourceType.Kind != TypeKind.Unknown && !ValueCast.CanCast(sourceType, column.Type, ValueCast.Context.Assignment))
            {
                throw new SqlException(SqlState.DatatypeMismatch,
                    $"column \"{column.Name}\" is of type {column.Type.DisplayNameWithModifier} but expression is of type {sourceType.DisplayName}",
                    hint: "You will need to rewrite or cast the expression.");
            }
            var value = new BoundColumn(index, sourceType, column.Name, -1);
            row[targetOrdinals[index]] = sourceType == column.Type ? value
                : sourceType.Kind == TypeKind.Unknown ? new BoundCast(value, column.Type, ValueCast.Context.Explicit)
                : new BoundCast(value, column.Type, ValueCast.Context.Assignment);
        }
        return new LogicalProject(query.Plan, row);
    }

    /// <summary>INSERT ... VALUES or DEFAULT VALUES: each row completed to the table's width. No table columns are in
    /// scope here; subqueries and WITH queries are.</summary>
    private LogicalPlan BindInsertValues(InsertStmt insert, TableDescriptor table, List<int> targetOrdinals, List<int> targetLocations)
    {
        _aggregateCalls = null;
        _windowCalls = null;
        _aggregateForbiddenIn = "VALUES";
        var rows = new List<BoundExpression[]>(Math.Max(1, insert.ValuesLists.Count));
        IReadOnlyList<IReadOnlyList<Expression>> lists = insert.ValuesLists.Count > 0 ? insert.ValuesLists : [[]];
        foreach (IReadOnlyList<Expression> values in lists)
        {
            if (values.Count > targetOrdinals.Count)
            {
                throw new SqlException(SqlState.SyntaxError, "INSERT has more expressions than target columns", values[targetOrdinals.Count].Location + 1);
            }
            if (values.Count < targetOrdinals.Count && insert.Columns is not null && insert.ValuesLists.Count > 0)
            {
                throw new SqlException(SqlState.SyntaxError, "INSERT has more target columns than expressions", targetLocations[values.Count] + 1);
            }
            var row = new BoundExpression[table.Columns.Count];
            var assigned = new bool[table.Columns.Count];
            for (int index = 0; index < values.Count; index++)
            {
                int ordinal = UsedTargetOrdinal(targetOrdinals[index]);
                ColumnDescriptor column = table.Columns[ordinal];
                Expression value = values[index];
                row[ordinal] = value is SetToDefault || OverridesIdentity(column, insert.Override)
                    ? DefaultOf(column)
                    : CoerceForAssignment(BindValue(value, table), column, value.Location);
                assigned[ordinal] = true;
            }
            for (int ordinal = 0; ordinal < row.Length; ordinal++)
            {
                if (!assigned[ordinal]) row[ordinal] = DefaultOf(table.Columns[ordinal]);
            }
            rows.Add(row);
        }
        return new LogicalValues(rows, table.Columns.Select(column => column.Type).ToArray());
    }

    /// <summary>ON CONFLICT: the conflict target must be the primary key (the only unique index: a table keyed by a hidden
    /// row id has none); DO UPDATE's SET and WHERE see the existing row under the target's name and the proposed one
    /// as <c>excluded</c>.</summary>
    private BoundOnConflict BindOnConflict(OnConflictClause conflict, TableDescriptor table, string referenceName, int location, ViewTarget? view)
    {
        if (conflict.InferenceColumns is { } columns)
        {
            var ordinals = new HashSet<int>();
            foreach ((string name, int columnLocation) in columns)
            {
                int ordinal = table.OrdinalOf(name);
                if (ordinal < 0) throw new SqlException(SqlState.UndefinedColumn, $"column \"{name}\" does not exist", columnLocation + 1);
                ordinals.Add(ordinal);
            }
            if (table.HasHiddenRowId || !ordinals.SetEquals(table.PrimaryKeyOrdinals))
            {
                throw new SqlException(SqlState.InvalidColumnReference,
                    "there is no unique or exclusion constraint matching the ON CONFLICT specification");
            }
            if (conflict.InferenceWhere is not null)
            {
                // The predicate chooses among partial unique indexes; the primary key is not partial, so it always
                // qualifies. It is still bound, for its errors.
                var inferenceBinder = new SqlBinder(_context, _scope.CreateSibling([TableItem(table, referenceName, 0, location)]));
                inferenceBinder.CoerceToBoolean(inferenceBinder.Bind(conflict.InferenceWhere), conflict.InferenceWhere, "WHERE");
            }
        }
        else if (conflict.ConstraintName is { } constraint && (table.HasHiddenRowId || constraint != table.PrimaryKeyConstraintName))
        {
            throw new SqlException(SqlState.UndefinedObject, $"constraint \"{constraint}\" for table \"{RelationNames.NameOf(table.Name)}\" does not exist");
        }
        bool hasTarget = conflict.InferenceColumns is not null || conflict.ConstraintName is not null;
        if (conflict.Action == OnConflictAction.DoNothing) return new BoundOnConflict(OnConflictAction.DoNothing, null, null) { HasTarget = hasTarget };

        ScopeItem existing = TableItem(table, referenceName, offset: 0, location);
        ScopeItem excluded = TableItem(table, "excluded", offset: table.Columns.Count, location);
        // Through a view, SET, WHERE and excluded see the view's columns (SET was mapped to the base columns).
        ScopeItem[] visible = view is null ? [existing, excluded] : [view.Item, view.Item.Shift(table.Columns.Count) with { Name = "excluded" }];
        var binder = new SqlBinder(_context, _scope.CreateSibling(visible));
        BoundExpression[] assignments = binder.BindAssignments(table, conflict.TargetList, existing.Columns);
        BoundExpression? where = null;
        if (conflict.Where is not null)
        {
            binder._aggregateForbiddenIn = "WHERE";
            where = binder.CoerceToBoolean(binder.Bind(conflict.Where), conflict.Where, "WHERE");
        }
        return new BoundOnConflict(OnConflictAction.DoUpdate, assignments, where) { HasTarget = hasTarget };
    }

    /// <summary>A VALUES item: no columns are in scope; naming one gets PostgreSQL's hint.</summary>
    private BoundExpression BindValue(Expression value, TableDescriptor table)
    {
        try
        {
            return Bind(value);
        }
        catch (SqlException exception) when (exception.SqlState == SqlState.UndefinedColumn && value is ColumnRef { Fields.Count: 1 } columnRef
            && table.OrdinalOf(columnRef.Fields[0]) >= 0)
        {
            throw new SqlException(SqlState.UndefinedColumn, exception.Message, exception.Position,
                hint: $"There is a column named \"{columnRef.Fields[0]}\" in table \"{RelationNames.NameOf(table.Name)}\", but it cannot be referenced from this part of the query.");
        }
    }

    /// <summary>Whether an INSERT's value for <paramref name="column"/> gives way to the column's identity sequence
    /// (OVERRIDING USER VALUE); a value for a GENERATED ALWAYS column needs OVERRIDING SYSTEM VALUE (428C9).</summary>
    private static bool OverridesIdentity(ColumnDescriptor column, OverridingKind overriding)
    {
        if (column.Generated is not null)
        {
            throw new SqlException(SqlState.GeneratedAlways, $"cannot insert a non-DEFAULT value into column \"{column.Name}\"",
                detail: $"Column \"{column.Name}\" is a generated column.");
        }
        if (column.Identity is null) return false;
        if (overriding == OverridingKind.UserValue) return true;
        if (column.Identity == ColumnDescriptor.IdentityAlways && overriding != OverridingKind.SystemValue)
        {
            throw new SqlException(SqlState.GeneratedAlways, $"cannot insert a non-DEFAULT value into column \"{column.Name}\"",
                detail: $"Column \"{column.Name}\" is an identity column defined as GENERATED ALWAYS.", hint: "Use OVERRIDING SYSTEM VALUE to override.");
        }
        return false;
    }

    /// <summary>A column's default: its stored constant, or its stored clock expression bound afresh (so it is evaluated
    /// for every row), or NULL.</summary>
    public static BoundExpression DefaultOf(ColumnDescriptor column)
    {
        if (column.DefaultExpression is null) return new BoundConstant(column.HasDefault ? column.DefaultValue : null, column.Type);
        var select = (SelectStmt)Parser.SqlParser.ParseAll("select " + column.DefaultExpression)[0].Statement;
        var binder = new SqlBinder(table: null, alias: null);
        return binder.CoerceForAssignment(binder.Bind(select.TargetList[0].Value), column, -1);
    }
}
