using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// What INSERT, UPDATE and DELETE share (PostgreSQL's analyze.c setTargetTable and transformReturningList): the target
/// table as the first item of the statement's range table, the FROM / USING items joined after it, and RETURNING.
/// </summary>
internal sealed partial class SqlBinder
{
    /// <summary>Set on the binder of a whole statement: only there may WITH hold INSERT, UPDATE or DELETE.</summary>
    public bool IsStatementLevel { get; init; }

    /// <summary>Binds any data-modifying statement (the statement itself, or a WITH query).</summary>
    public BoundModification BindModification(Statement statement) => statement switch
    {
        InsertStmt insert => BindInsert(insert),
        UpdateStmt update => BindUpdate(update),
        DeleteStmt delete => BindDelete(delete),
        _ => throw new InvalidOperationException($"{statement.GetType().Name} is not a data-modifying statement"),
    };

    /// <summary>The table a data-modifying statement writes (a stored table, never a WITH query of that name).</summary>
    private TableDescriptor FindTargetTable(RangeVar relation)
    {
        SqlEngine.CheckRelationSchema(relation, _context.Relations);
        return _context.FindTable(SqlEngine.CatalogNameOf(relation, _context.Relations))
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{relation.RelationName}\" does not exist", relation.Location + 1);
    }

    /// <summary>UPDATE's and DELETE's rows: the target table read with each row's key, joined with the FROM / USING
    /// items (their ordinals after the key column), filtered by WHERE. Every item joins this level's scope. A view is read
    /// as the base table's rows that the view shows, under the view's name and columns.</summary>
    private (TableDescriptor Table, string ReferenceName, LogicalPlan Plan, ViewTarget? View) BindTargetRows(RangeVar relation, IReadOnlyList<FromItem> from,
        Expression? where, ModifyKind kind)
    {
        ViewTarget? view = FindTargetView(relation, kind);
        TableDescriptor table = view?.Table ?? FindTargetTable(relation);
        string referenceName = view is null ? relation.Alias ?? table.Name : table.Name;
        ScopeItem target = view?.Item ?? TableItem(table, referenceName, offset: 0, relation.Location);
        LogicalPlan plan = new LogicalScan(new StoredTable(table), referenceName) { WithRowKey = true };
        if (view?.Condition is { } viewCondition) plan = new LogicalFilter(plan, viewCondition);
        var items = new List<ScopeItem> { target };
        var fromItems = new List<ScopeItem>();
        foreach (FromItem fromItem in from)
        {
            // A FROM item may read the items to its left in the list (LATERAL), but not the target.
            BoundFromItem bound = BindFromItem(fromItem, fromItems).Shift(plan.Width);
            CheckUniqueNames(items, bound.Items);
            plan = new LogicalJoin(JoinType.Cross, plan, bound.Plan, null, bound.Lateral);
            items.AddRange(bound.Items);
            fromItems.AddRange(bound.Items);
        }
        _scope.AddItems(items);
        if (where is not null)
        {
            _aggregateCalls = null;
            _windowCalls = null;
            _aggregateForbiddenIn = "WHERE";
            plan = new LogicalFilter(plan, CoerceToBoolean(Bind(where), where, "WHERE"));
        }
        return (table, referenceName, plan, view);
    }

    /// <summary>SET column = value, ...: one expression per table column (the column itself where it is not assigned),
    /// bound in this binder's scope, in which <paramref name="current"/> are the columns of the row being changed.</summary>
    private BoundExpression[] BindAssignments(TableDescriptor table, IReadOnlyList<ResTarget> targets, IReadOnlyList<ScopeColumn> current)
    {
        _aggregateCalls = null;
        _windowCalls = null;
        _aggregateForbiddenIn = "UPDATE";
        var values = new BoundExpression[table.Columns.Count];
        var assigned = new bool[values.Length];
        for (int ordinal = 0; ordinal < values.Length; ordinal++) values[ordinal] = current[ordinal].Expression;
        foreach (ResTarget target in targets)
        {
            int ordinal = table.OrdinalOf(target.Name!);
            if (ordinal < 0)
            {
                throw new SqlException(SqlState.UndefinedColumn, $"column \"{target.Name}\" of relation \"{RelationNames.NameOf(table.Name)}\" does not exist", target.Location + 1);
            }
            if (assigned[ordinal])
            {
                throw new SqlException(SqlState.SyntaxError, $"multiple assignments to same column \"{target.Name}\"", target.Location + 1);
            }
            ColumnDescriptor column = table.Columns[ordinal];
            if (column.Generated is not null && target.Value is not SetToDefault)
            {
                throw new SqlException(SqlState.GeneratedAlways, $"column \"{column.Name}\" can only be updated to DEFAULT",
                    detail: $"Column \"{column.Name}\" is a generated column.");
            }
            if (column.Identity == ColumnDescriptor.IdentityAlways && target.Value is not SetToDefault)
            {
                throw new SqlException(SqlState.GeneratedAlways, $"column \"{column.Name}\" can only be updated to DEFAULT",
                    detail: $"Column \"{column.Name}\" is an identity column defined as GENERATED ALWAYS.");
            }
            values[ordinal] = target.Value is SetToDefault
                ? DefaultOf(column)
                : CoerceForAssignment(Bind(target.Value), column, target.Value.Location);
            assigned[ordinal] = true;
        }
        return values;
    }
}
