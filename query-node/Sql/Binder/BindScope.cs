using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Binder;

/// <summary>A column a name can resolve to: its expression over the FROM row, and the table column it reads
/// unchanged (for RowDescription's origin), if any.</summary>
internal sealed record ScopeColumn(string Name, BoundExpression Expression, TableDescriptor? Table = null, int TableOrdinal = -1);

/// <summary>
/// An entry of a query level's name space (PostgreSQL's ParseNamespaceItem): a table, subquery, function or join in
/// FROM. RelationVisible: it can qualify a column (<c>t.x</c>); ColumnsVisible: its columns resolve unqualified.
/// The items a join combines stay visible as qualifiers, but only the join's own item (its USING columns merged)
/// resolves unqualified names, which is how PostgreSQL avoids reporting a USING column as ambiguous.
/// SystemColumns are a relation's system columns (tableoid, xmin, ...): they resolve by name, qualified or not, after
/// the ordinary columns, but are never part of <c>*</c> (PostgreSQL's attnum &lt; 0 attributes).
/// </summary>
internal sealed record ScopeItem(string? Name, IReadOnlyList<ScopeColumn> Columns, int Location, bool RelationVisible = true, bool ColumnsVisible = true,
    IReadOnlyList<ScopeColumn>? SystemColumns = null)
{
    /// <summary>The same item with its column expressions moved right by <paramref name="offset"/> (the right side of a join).</summary>
    public ScopeItem Shift(int offset) => offset == 0 ? this : this with
    {
        Columns = Columns.Select(column => column with { Expression = BoundExpressionTree.ShiftColumns(column.Expression, offset) }).ToArray(),
    };
}

/// <summary>
/// The names one query level can see: its FROM items, the WITH queries declared at this level, and, through Parent,
/// the enclosing levels (correlated references). A name found in an enclosing level becomes an outer parameter of
/// this level: its expression (over the parent's row) is added to <see cref="Captures"/>, which the subquery node
/// evaluates against the outer row and passes in. Lateral and FROM-subquery scopes are not query levels of their own:
/// they share the captures of the level they are in.
/// </summary>
internal sealed class BindScope
{
    private readonly List<ScopeItem> _items = [];
    private readonly Dictionary<string, CommonTable> _commonTables = new(StringComparer.Ordinal);

    public BindScope(BindScope? parent, List<BoundExpression>? sharedCaptures = null)
    {
        Parent = parent;
        Captures = sharedCaptures ?? [];
    }

    public BindScope? Parent { get; }

    /// <summary>For a scope of the same query level (an operand of a set operation, a FROM subquery, a lateral item):
    /// the scope whose WITH queries it also sees.</summary>
    private BindScope? _sameLevel;

    /// <summary>A scope of this same level (it shares the captures and sees the WITH queries) with no FROM items: for
    /// an operand of a set operation or a subquery in FROM.</summary>
    public BindScope CreateSibling(IEnumerable<ScopeItem>? visibleItems = null)
    {
        var sibling = new BindScope(Parent, Captures) { _sameLevel = this };
        if (visibleItems is not null) sibling.AddItems(visibleItems);
        return sibling;
    }

    public IReadOnlyList<ScopeItem> Items => _items;

    /// <summary>Outer values this level reads, as expressions of the parent level.</summary>
    public List<BoundExpression> Captures { get; }

    public void AddItem(ScopeItem item) => _items.Add(item);

    public void AddItems(IEnumerable<ScopeItem> items) => _items.AddRange(items);

    public void AddCommonTable(CommonTable table, int location)
    {
        if (!_commonTables.TryAdd(table.Name, table))
        {
            throw new SqlException(EngineSqlState.DuplicateAlias, $"WITH query name \"{table.Name}\" specified more than once", location + 1);
        }
    }

    /// <summary>The WITH query of that name visible here (this level first, then the enclosing ones).</summary>
    public CommonTable? FindCommonTable(string name)
    {
        for (BindScope? scope = this; scope is not null; scope = scope.Parent)
        {
            for (BindScope? level = scope; level is not null; level = level._sameLevel)
            {
                if (level._commonTables.TryGetValue(name, out CommonTable? table)) return table;
            }
        }
        return null;
    }

    /// <summary>Resolves a column reference (1 to 3 name parts) at this level, then outward. Returns null when no
    /// level has it; throws for ambiguity.</summary>
    public (BoundExpression Expression, ScopeColumn? Column)? Resolve(IReadOnlyList<string> fields, int location)
    {
        string columnName = fields[^1];
        string? qualifier = fields.Count > 1 ? fields[^2] : null;
        (BoundExpression, ScopeColumn?)? local = qualifier is null ? ResolveUnqualified(columnName, location) : ResolveQualified(qualifier, columnName, location);
        if (local is not null) return local;
        if (Parent is null) return null;
        (BoundExpression Expression, ScopeColumn? Column)? outer = Parent.Resolve(fields, location);
        if (outer is null) return null;
        return (Capture(outer.Value.Expression), null);
    }

    /// <summary>Whether some level has a FROM item of this name (to tell "missing FROM-clause entry" from "no such column").</summary>
    public bool HasRelation(string name)
    {
        for (BindScope? scope = this; scope is not null; scope = scope.Parent)
        {
            foreach (ScopeItem item in scope._items) if (item.RelationVisible && item.Name == name) return true;
        }
        return false;
    }

    /// <summary>The item a qualifier names at this level, or null.</summary>
    public ScopeItem? FindItem(string name)
    {
        foreach (ScopeItem item in _items) if (item.RelationVisible && item.Name == name) return item;
        return null;
    }

    private BoundOuterParam Capture(BoundExpression outer)
    {
        int index = Captures.IndexOf(outer);
        if (index < 0)
        {
            Captures.Add(outer);
            index = Captures.Count - 1;
        }
        string name = outer switch { BoundColumn column => column.DisplayName, BoundOuterParam param => param.DisplayName, _ => "outer value" };
        return new BoundOuterParam(index, outer.Type, name) { Shape = RecordShape.Of(outer) };
    }

    private (BoundExpression, ScopeColumn?)? ResolveUnqualified(string name, int location)
    {
        ScopeColumn? found = null;
        foreach (ScopeItem item in _items)
        {
            if (!item.ColumnsVisible) continue;
            foreach (ScopeColumn column in item.Columns)
            {
                if (column.Name != name) continue;
                if (found is not null)
                {
                    throw new SqlException(SqlState.AmbiguousColumn, $"column reference \"{name}\" is ambiguous", location + 1);
                }
                found = column;
            }
        }
        found ??= FindSystemColumn(_items, name, location);
        return found is null ? null : (WithLocation(found.Expression, location), found);
    }

    /// <summary>A system column no ordinary column hides: ambiguous when two relations of the level have it.</summary>
    private static ScopeColumn? FindSystemColumn(IEnumerable<ScopeItem> items, string name, int location)
    {
        ScopeColumn? found = null;
        foreach (ScopeItem item in items)
        {
            if (item.SystemColumns?.FirstOrDefault(column => column.Name == name) is not { } column) continue;
            if (found is not null)
            {
                throw new SqlException(SqlState.AmbiguousColumn, $"column reference \"{name}\" is ambiguous", location + 1);
            }
            found = column;
        }
        return found;
    }

    private (BoundExpression, ScopeColumn?)? ResolveQualified(string qualifier, string name, int location)
    {
        ScopeItem? item = FindItem(qualifier);
        if (item is null) return null;
        ScopeColumn? found = null;
        foreach (ScopeColumn column in item.Columns)
        {
            if (column.Name != name) continue;
            if (found is not null)
            {
                throw new SqlException(SqlState.AmbiguousColumn, $"column reference \"{qualifier}.{name}\" is ambiguous", location + 1);
            }
            found = column;
        }
        found ??= FindSystemColumn([item], name, location);
        if (found is null)
        {
            throw new SqlException(SqlState.UndefinedColumn, $"column {qualifier}.{name} does not exist", location + 1);
        }
        return (WithLocation(found.Expression, location), found);
    }

    private static BoundExpression WithLocation(BoundExpression expression, int location) =>
        expression is BoundColumn column ? column with { Location = location } : expression;
}
