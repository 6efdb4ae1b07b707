using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Binder;

/// <summary>What every query level of one statement shares while it is bound: the $n parameters, the stored tables
/// the statement names (looked up before binding, so that binding does no I/O), and ids for subqueries and WITH
/// queries (the executor keeps their results by id).</summary>
internal sealed class BindContext(ParameterContext? parameters, IReadOnlyDictionary<string, TableDescriptor>? tables)
{
    private readonly IReadOnlyDictionary<string, TableDescriptor> _tables = tables ?? new Dictionary<string, TableDescriptor>();
    private readonly List<CommonTable> _commonTables = [];

    public ParameterContext? Parameters { get; } = parameters;

    /// <summary>How many subquery expressions the statement has (their ids are 0 .. count - 1).</summary>
    public int SubqueryCount { get; private set; }

    public IReadOnlyList<CommonTable> CommonTables => _commonTables;

    /// <summary>The views the statement names (and the views those name), with their parsed queries.</summary>
    public IReadOnlyDictionary<string, BoundView> Views { get; init; } = new Dictionary<string, BoundView>();

    /// <summary>The sequences the statement reads as relations (SELECT last_value, is_called FROM a sequence).</summary>
    public IReadOnlyDictionary<string, SequenceDescriptor> Sequences { get; init; } = new Dictionary<string, SequenceDescriptor>();

    /// <summary>The running statement's relation names, which the binder reads as they were resolved before binding;
    /// null where an expression is bound outside a statement (a stored default or check read back).</summary>
    public RelationResolver? Relations { get; init; }

    /// <summary>The statement being bound: its settings are the ones literals are read with and constants folded with
    /// (TimeZone, DateStyle), its catalog snapshot the one reg* literals resolve names in. Outside a statement (a stored
    /// default or check read back), one with the default settings.</summary>
    public Executor.StatementContext Statement { get => field ??= new(CancellationToken.None); init; }

    public TableDescriptor? FindTable(string name) => _tables.TryGetValue(name, out TableDescriptor? table) ? table : null;

    public int NextSubqueryId() => SubqueryCount++;

    public CommonTable NewCommonTable(string name, IReadOnlyList<string> columnNames)
    {
        var table = new CommonTable(_commonTables.Count, name, columnNames);
        _commonTables.Add(table);
        return table;
    }
}

/// <summary>A view the statement reads, with its query parsed from the stored text.</summary>
internal sealed record BoundView(ViewDescriptor View, Parser.Ast.SelectStmt Query);
