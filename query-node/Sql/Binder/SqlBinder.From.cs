using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// The FROM clause (PostgreSQL's parse_clause.c transformFromClause): each item becomes a plan and scope items whose
/// column expressions are ordinals into that plan's rows; items side by side are joined, the right one's ordinals
/// moved past the left one's. A comma list is a chain of cross joins. Subqueries and functions to the right may read
/// the items to their left (LATERAL; functions always may), which makes their join run them once per left row.
/// </summary>
internal sealed partial class SqlBinder
{
    /// <summary>A bound FROM item: its plan, every scope item it brings (joined items included), the item whose
    /// columns are its visible output (the join's own item for a join), and whether it reads the items to its left.</summary>
    private sealed record BoundFromItem(LogicalPlan Plan, IReadOnlyList<ScopeItem> Items, ScopeItem Top, bool Lateral)
    {
        public BoundFromItem Shift(int offset) => offset == 0 ? this : this with
        {
            Items = Items.Select(item => item.Shift(offset)).ToArray(),
            Top = Top.Shift(offset),
        };
    }

    private LogicalPlan BindFromClause(IReadOnlyList<FromItem> from)
    {
        if (from.Count == 0) return new LogicalValues([[]], []);
        LogicalPlan? plan = null;
        var items = new List<ScopeItem>();
        foreach (FromItem fromItem in from)
        {
            BoundFromItem bound = BindFromItem(fromItem, items).Shift(plan?.Width ?? 0);
            CheckUniqueNames(items, bound.Items);
            plan = plan is null ? bound.Plan : new LogicalJoin(JoinType.Cross, plan, bound.Plan, null, bound.Lateral);
            items.AddRange(bound.Items);
        }
        _scope.AddItems(items);
        return plan!;
    }

    private static void CheckUniqueNames(IReadOnlyList<ScopeItem> existing, IReadOnlyList<ScopeItem> added)
    {
        foreach (ScopeItem item in added)
        {
            if (!item.RelationVisible || item.Name is null) continue;
            foreach (ScopeItem other in existing)
            {
                if (other.RelationVisible && other.Name == item.Name)
                {
                    throw new SqlException(EngineSqlState.DuplicateAlias, $"table name \"{item.Name}\" specified more than once", item.Location + 1);
                }
            }
        }
    }

    /// <summary>Binds one FROM item; <paramref name="leftItems"/> are the items to its left (ordinals of the left row),
    /// which a lateral subquery or a function's arguments may read.</summary>
    private BoundFromItem BindFromItem(FromItem item, IReadOnlyList<ScopeItem> leftItems)
    {
        switch (item)
        {
            case RangeVar rangeVar:
                return BindRangeVar(rangeVar);
            case RangeSubselect subselect:
                return BindRangeSubselect(subselect, leftItems);
            case RangeFunction function:
                return BindRangeFunction(function, leftItems);
            case JoinExpr join:
                return BindJoin(join);
            default:
                throw new SqlException(SqlState.FeatureNotSupported, $"{item.GetType().Name} in FROM is not supported", item.Location + 1);
        }
    }

    private BoundFromItem BindRangeVar(RangeVar rangeVar)
    {
        string referenceName = rangeVar.Alias ?? rangeVar.RelationName;
        if (rangeVar.SchemaName is null && _scope.FindCommonTable(rangeVar.RelationName) is { } common)
        {
            if (common.IsCorrelated && !ReferenceEquals(common.DeclaringLevel, _scope.Captures))
            {
                throw new SqlException(SqlState.FeatureNotSupported, "a WITH query that refers to an enclosing query is not supported", rangeVar.Location + 1);
            }
            if (common.IsDataModifying && !common.HasReturning)
            {
                throw new SqlException(SqlState.FeatureNotSupported, $"WITH query \"{common.Name}\" does not have a RETURNING clause", rangeVar.Location + 1);
            }
            IReadOnlyList<string> names = ApplyColumnAliases(common.ColumnNames, rangeVar.ColumnAliases, referenceName, rangeVar.Location);
            var columns = new ScopeColumn[common.Types.Count];
            for (int index = 0; index < columns.Length; index++)
            {
                columns[index] = new ScopeColumn(names[index], new BoundColumn(index, common.Types[index], $"{referenceName}.{names[index]}", -1)
                {
                    Shape = common.Shapes is { } shapes && index < shapes.Count ? shapes[index] : null,
                });
            }
            LogicalPlan plan = common.Plan is null ? new LogicalWorkTableScan(common) : new LogicalCteScan(common, referenceName);
            var cteItem = new ScopeItem(referenceName, columns, rangeVar.Location);
            return new BoundFromItem(plan, [cteItem], cteItem, Lateral: false);
        }
        if (Catalog.System.SystemRelations.Resolve(rangeVar.SchemaName, rangeVar.RelationName) is { } system)
        {
            return BindSystemRelation(system, rangeVar, referenceName);
        }
        SqlEngine.CheckRelationSchema(rangeVar, _context.Relations);
        string catalogName = SqlEngine.CatalogNameOf(rangeVar, _context.Relations);
        if (_context.FindTable(catalogName) is null && _context.Views.TryGetValue(catalogName, out BoundView? view))
        {
            // A view reads as its query in parentheses, named after the view, with the view's column names.
            IReadOnlyList<string> viewColumns = ApplyColumnAliases(view.View.ColumnNames, rangeVar.ColumnAliases, referenceName, rangeVar.Location);
            return BindRangeSubselect(new RangeSubselect(view.Query, referenceName, viewColumns, Lateral: false, rangeVar.Location), []);
        }
        if (_context.FindTable(catalogName) is null && _context.Sequences.TryGetValue(catalogName, out SequenceDescriptor? sequence))
        {
            return BindSequenceRelation(sequence, rangeVar, referenceName);
        }
        TableDescriptor table = _context.FindTable(catalogName)
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{rangeVar.RelationName}\" does not exist", rangeVar.Location + 1);
        if (rangeVar.ColumnAliases is { } aliases && aliases.Count > table.Columns.Count)
        {
            throw new SqlException(SqlState.InvalidColumnReference,
                $"table \"{referenceName}\" has {table.Columns.Count} columns available but {aliases.Count} columns specified", rangeVar.Location + 1);
        }
        ScopeItem tableItem = TableItem(table, referenceName, offset: 0, rangeVar.Location, rangeVar.ColumnAliases);
        return new BoundFromItem(new LogicalScan(new StoredTable(table), referenceName), [tableItem], tableItem, Lateral: false);
    }

    /// <summary>A pg_catalog relation: read whole by its own scan, its columns as declared; a catalog table (not a view)
    /// also has the system columns.</summary>
    private static BoundFromItem BindSystemRelation(Catalog.System.SystemRelation system, RangeVar rangeVar, string referenceName)
    {
        IReadOnlyList<string> names = ApplyColumnAliases(system.ColumnNames, rangeVar.ColumnAliases, referenceName, rangeVar.Location);
        var columns = new ScopeColumn[names.Count];
        for (int index = 0; index < columns.Length; index++)
        {
            columns[index] = new ScopeColumn(names[index], new BoundColumn(index, system.ColumnTypes[index], $"{referenceName}.{names[index]}", -1));
        }
        var item = new ScopeItem(referenceName, columns, rangeVar.Location, 
            SystemColumns: system.Shape.Kind == 'r' ? SystemColumns.Of(system.Shape.Oid) : null);
        return new BoundFromItem(new LogicalScan(system, referenceName), [item], item, Lateral: false);
    }

    private static IReadOnlyList<string> ApplyColumnAliases(IReadOnlyList<string> names, IReadOnlyList<string>? aliases, string referenceName, int location)
    {
        if (aliases is null) return names;
        if (aliases.Count > names.Count)
        {
            throw new SqlException(SqlState.InvalidColumnReference,
                $"table \"{referenceName}\" has {names.Count} columns available but {aliases.Count} columns specified", location + 1);
        }
        return [.. aliases, .. names.Skip(aliases.Count)];
    }

    private BoundFromItem BindRangeSubselect(RangeSubselect subselect, IReadOnlyList<ScopeItem> leftItems)
    {
        BindScope outer = subselect.Lateral ? _scope.CreateSibling(leftItems) : _scope.CreateSibling();
        var levelScope = new BindScope(outer);
        BoundQuery query = new SqlBinder(_context, levelScope).BindQuery(subselect.Subquery);
        string? name = subselect.Alias;
        IReadOnlyList<string> names = ApplyColumnAliases(query.Columns.Select(column => column.Name).ToArray(), subselect.ColumnAliases,
            name ?? "subquery", subselect.Location);
        var columns = new ScopeColumn[query.Columns.Count];
        for (int index = 0; index < columns.Length; index++)
        {
            columns[index] = new ScopeColumn(names[index], new BoundColumn(index, query.Types[index], $"{name}.{names[index]}", -1)
            {
                Shape = query.Shapes is { } shapes && index < shapes.Count ? shapes[index] : null,
            });
        }
        LogicalPlan plan = levelScope.Captures.Count == 0
            ? query.Plan
            : new LogicalSubqueryScan(query.Plan, levelScope.Captures.ToArray(), name ?? "subquery");
        bool lateral = levelScope.Captures.Any(ReadsRow);
        var subqueryItem = new ScopeItem(name, columns, subselect.Location, RelationVisible: name is not null);
        return new BoundFromItem(plan, [subqueryItem], subqueryItem, lateral);
    }

    /// <summary>Whether an expression reads the current row (not only constants and outer parameters).</summary>
    private static bool ReadsRow(BoundExpression expression) => expression switch
    {
        BoundColumn => true,
        BoundConstant or BoundOuterParam => false,
        BoundCast cast => ReadsRow(cast.Operand),
        BoundFunction function => function.Arguments.Any(ReadsRow),
        BoundArithmetic arithmetic => ReadsRow(arithmetic.Left) || ReadsRow(arithmetic.Right),
        _ => true,
    };

    private BoundFromItem BindJoin(JoinExpr join)
    {
        BoundFromItem left = BindFromItem(join.Left, []);
        BoundFromItem right = BindFromItem(join.Right, left.Items).Shift(left.Plan.Width);
        CheckUniqueNames(left.Items, right.Items);
        if (right.Lateral && join.Kind is JoinType.Right or JoinType.Full)
        {
            throw new SqlException(SqlState.InvalidColumnReference,
                $"invalid reference to FROM-clause entry for table \"{left.Top.Name}\"", join.Right.Location + 1,
                detail: $"The combining JOIN type must be INNER or LEFT for a LATERAL reference.");
        }

        IReadOnlyList<string>? usingNames = join.UsingColumns;
        if (join.IsNatural)
        {
            var rightNames = right.Top.Columns.Select(column => column.Name).ToHashSet();
            usingNames = left.Top.Columns.Select(column => column.Name).Where(rightNames.Contains).Distinct().ToArray();
        }

        var joinScope = _scope.CreateSibling([.. left.Items, .. right.Items]);
        var conditionBinder = new SqlBinder(_context, joinScope) { _aggregateForbiddenIn = "JOIN conditions" };
        BoundExpression? condition = null;
        var columns = new List<ScopeColumn>();
        var merged = new HashSet<ScopeColumn>();
        if (usingNames is not null)
        {
            var equalities = new List<BoundExpression>();
            foreach (string name in usingNames)
            {
                ScopeColumn leftColumn = FindUsingColumn(left.Top, name, "left", join.Location);
                ScopeColumn rightColumn = FindUsingColumn(right.Top, name, "right", join.Location);
                merged.Add(leftColumn);
                merged.Add(rightColumn);
                var equality = new A_Expr("=", new ColumnRef([name], false, join.Location), new ColumnRef([name], false, join.Location), join.Location);
                (BoundExpression l, BoundExpression r, SqlType type) = conditionBinder.ResolveComparisonOperands("=", equality, leftColumn.Expression, rightColumn.Expression);
                equalities.Add(new BoundComparison(ComparisonOperator.Equal, l, r, type));
                BoundExpression mergedExpression = join.Kind switch
                {
                    JoinType.Right => r,
                    JoinType.Full => new BoundFunction(Functions.BuiltinFunctions.Coalesce, [l, r], type),
                    _ => l,
                };
                columns.Add(new ScopeColumn(name, mergedExpression,
                    join.Kind == JoinType.Full ? null : join.Kind == JoinType.Right ? rightColumn.Table : leftColumn.Table,
                    join.Kind == JoinType.Right ? rightColumn.TableOrdinal : leftColumn.TableOrdinal));
            }
            condition = equalities.Count switch { 0 => null, 1 => equalities[0], _ => new BoundBoolean(BoolExprKind.And, equalities) };
        }
        else if (join.Quals is not null)
        {
            conditionBinder._aggregateCalls = null;
            condition = conditionBinder.CoerceToBoolean(conditionBinder.Bind(join.Quals), join.Quals, "JOIN/ON");
        }
        columns.AddRange(left.Top.Columns.Where(column => !merged.Contains(column)));
        columns.AddRange(right.Top.Columns.Where(column => !merged.Contains(column)));

        bool aliased = join.Alias is not null;
        var items = new List<ScopeItem>();
        foreach (ScopeItem inner in left.Items.Concat(right.Items))
        {
            items.Add(inner with { ColumnsVisible = false, RelationVisible = inner.RelationVisible && !aliased });
        }
        var joinItem = new ScopeItem(join.Alias, columns, join.Location, RelationVisible: aliased);
        items.Add(joinItem);
        JoinType kind = join.Kind == JoinType.Cross ? JoinType.Inner : join.Kind;
        var plan = new LogicalJoin(kind, left.Plan, right.Plan, condition, right.Lateral);
        return new BoundFromItem(plan, items, joinItem, left.Lateral);
    }

    private static ScopeColumn FindUsingColumn(ScopeItem side, string name, string sideName, int location)
    {
        ScopeColumn? found = null;
        foreach (ScopeColumn column in side.Columns)
        {
            if (column.Name != name) continue;
            if (found is not null)
            {
                throw new SqlException(SqlState.AmbiguousColumn, $"common column name \"{name}\" appears more than once in {sideName} table", location + 1);
            }
            found = column;
        }
        return found ?? throw new SqlException(SqlState.UndefinedColumn, $"column \"{name}\" specified in USING clause does not exist in {sideName} table", location + 1);
    }

    /// <summary>WITH: each query is bound once, in order (a later one sees the earlier ones), and named at this level.</summary>
    private void BindWith(WithClause with)
    {
        foreach (CommonTableExpr definition in with.Ctes)
        {
            if (definition.Query is not SelectStmt query)
            {
                BindModifyingCommonTable(definition);
                continue;
            }
            CommonTable table = _context.NewCommonTable(definition.Name, definition.ColumnNames ?? []);
            if (with.Recursive && ReferencesName(query, definition.Name))
            {
                CheckRecursiveForm(definition, query);
                BindRecursiveCommonTable(table, definition, query);
                continue;
            }
            var levelScope = new BindScope(_scope.CreateSibling());
            BoundQuery bound = new SqlBinder(_context, levelScope).BindQuery(query);
            MarkCorrelated(table, levelScope.Captures, definition);
            table.ColumnNames = ApplyColumnAliases(bound.Columns.Select(column => column.Name).ToArray(), definition.ColumnNames, definition.Name, definition.Location);
            table.Types = bound.Types.Select(type => type.Kind == TypeKind.Unknown ? SqlType.Text : type).ToArray();
            table.Shapes = bound.Shapes;
            table.Plan = CastColumns(bound.Plan, table.Types);
            _scope.AddCommonTable(table, definition.Location);
        }
    }

    /// <summary>A WITH query that reads values of an enclosing query: each of them is an outer value of this level (the
    /// scope the query is bound under has no FROM items of its own), whose index the CTE Scan passes on.</summary>
    private void MarkCorrelated(CommonTable table, List<BoundExpression> captures, CommonTableExpr definition)
    {
        if (captures.Count == 0) return;
        var indexes = new int[captures.Count];
        for (int index = 0; index < captures.Count; index++)
        {
            indexes[index] = captures[index] is BoundOuterParam outer
                ? outer.Index
                : throw new SqlException(SqlState.FeatureNotSupported, "a WITH query that refers to an enclosing query is not supported", definition.Location + 1);
        }
        table.OuterParameterIndexes = indexes;
        table.DeclaringLevel = _scope.Captures;
    }

    /// <summary>A WITH query that is an INSERT, UPDATE or DELETE: allowed only at the top level of the statement. It runs
    /// exactly once whether or not it is read (the executor runs it at the end if nothing read it); its rows are its
    /// RETURNING rows, and without RETURNING it cannot be read.</summary>
    private void BindModifyingCommonTable(CommonTableExpr definition)
    {
        if (!IsStatementLevel)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "WITH clause containing a data-modifying statement must be at the top level", definition.Location + 1);
        }
        CommonTable table = _context.NewCommonTable(definition.Name, definition.ColumnNames ?? []);
        var levelScope = new BindScope(_scope.CreateSibling());
        BoundModification bound = new SqlBinder(_context, levelScope).BindModification(definition.Query);
        IReadOnlyList<ResultColumn> columns = bound.Returning ?? [];
        table.ColumnNames = ApplyColumnAliases(columns.Select(column => column.Name).ToArray(), definition.ColumnNames, definition.Name, definition.Location);
        table.Types = bound.Plan.OutputTypes;
        table.Plan = bound.Plan;
        table.IsDataModifying = true;
        table.HasReturning = bound.Returning is not null;
        _scope.AddCommonTable(table, definition.Location);
    }

    /// <summary>WITH RECURSIVE name AS (initial UNION [ALL] recursive): the initial term fixes the column types; inside the
    /// recursive term the name reads the rows of the previous round.</summary>
    private void BindRecursiveCommonTable(CommonTable table, CommonTableExpr definition, SelectStmt query)
    {
        if (query.SortClause.Count > 0 || query.Limit is not null || query.Offset is not null)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "ORDER BY/LIMIT/OFFSET in a recursive query is not implemented", definition.Location + 1);
        }
        // Both terms run with the same outer values, so they share one list of them.
        var captures = new List<BoundExpression>();
        var initialScope = new BindScope(_scope.CreateSibling(), captures);
        BoundQuery initial = new SqlBinder(_context, initialScope).BindQuery(query.Larg!);
        table.ColumnNames = ApplyColumnAliases(initial.Columns.Select(column => column.Name).ToArray(), definition.ColumnNames, definition.Name, definition.Location);
        table.Types = initial.Types.Select(type => type.Kind == TypeKind.Unknown ? SqlType.Text : type).ToArray();
        table.IsRecursive = true;
        _scope.AddCommonTable(table, definition.Location);

        var recursiveScope = new BindScope(_scope.CreateSibling(), captures);
        BoundQuery recursive = new SqlBinder(_context, recursiveScope).BindQuery(query.Rarg!);
        MarkCorrelated(table, captures, definition);
        if (recursive.Columns.Count != table.Types.Count)
        {
            throw new SqlException(SqlState.SyntaxError, "each UNION query must have the same number of columns", query.Rarg!.Location + 1);
        }
        for (int index = 0; index < table.Types.Count; index++)
        {
            SqlType type = recursive.Types[index];
            if (type.Kind != TypeKind.Unknown && type.WithoutModifier != table.Types[index].WithoutModifier)
            {
                throw new SqlException(SqlState.DatatypeMismatch,
                    $"recursive query \"{table.Name}\" column {index + 1} has type {table.Types[index].DisplayNameWithModifier} in non-recursive term but type {type.DisplayNameWithModifier} overall",
                    query.Larg!.Location + 1, hint: "Cast the output of the non-recursive term to the correct type.");
            }
        }
        table.Plan = new LogicalRecursiveUnion(table, CastColumns(initial.Plan, table.Types), CastColumns(recursive.Plan, table.Types), query.All);
    }

    /// <summary>PostgreSQL's checks of a self-referencing WITH query (checkWellFormedRecursion): the form
    /// initial UNION [ALL] recursive, and the recursive term reading the working table once, directly in its FROM
    /// clause (a reference inside a subquery, or a second one, could make each round see more than one round).</summary>
    private static void CheckRecursiveForm(CommonTableExpr definition, SelectStmt query)
    {
        if (query.Op != SetOperation.Union || ReferencesName(query.Larg!, definition.Name))
        {
            throw new SqlException(EngineSqlState.InvalidRecursion,
                $"recursive query \"{definition.Name}\" does not have the form non-recursive-term UNION [ALL] recursive-term", definition.Location + 1);
        }
        SelectStmt recursive = query.Rarg!;
        int all = TableReferences.Collect(recursive).Count(reference => reference.SchemaName is null && reference.RelationName == definition.Name);
        int direct = recursive.Op == SetOperation.None ? DirectReferences(recursive.From, definition.Name) : 0;
        if (all > direct)
        {
            throw new SqlException(EngineSqlState.InvalidRecursion, $"recursive reference to query \"{definition.Name}\" must not appear within a subquery", definition.Location + 1);
        }
        if (direct > 1)
        {
            throw new SqlException(EngineSqlState.InvalidRecursion, $"recursive reference to query \"{definition.Name}\" must not appear more than once", definition.Location + 1);
        }
    }

    private static int DirectReferences(IEnumerable<FromItem> items, string name) => items.Sum(item => item switch
    {
        RangeVar { SchemaName: null } rangeVar when rangeVar.RelationName == name => 1,
        JoinExpr join => DirectReferences([join.Left, join.Right], name),
        _ => 0,
    });

    /// <summary>Whether a query names <paramref name="name"/> in a FROM clause anywhere inside it.</summary>
    private static bool ReferencesName(SelectStmt query, string name) =>
        TableReferences.Collect(query).Any(reference => reference.SchemaName is null && reference.RelationName == name);
}
