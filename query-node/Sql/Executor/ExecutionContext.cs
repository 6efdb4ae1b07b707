using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor.Operators;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// What one execution of a planned statement shares among its operators: the transaction's store, cancellation,
/// the planned subqueries and WITH queries (by id), and their results so far. One per statement execution; operators
/// themselves are immutable and can be executed again (a correlated subquery runs its plan once per outer row).
/// </summary>
internal sealed class StatementState(ITransactionStore? store, StatementContext statement, PhysicalOperator?[] subplans, PhysicalOperator?[] commonTables)
{
    /// <summary>The statement's transaction; absent only where expressions are computed with no plan around them (a
    /// constant folded while planning), which read no relation.</summary>
    public ITransactionStore Store => store ?? throw new InvalidOperationException("an expression without a transaction read storage");

    public StatementContext Statement { get; } = statement;

    public CancellationToken CancellationToken => Statement.CancellationToken;

    /// <summary>The statement's memory for sorts and hash tables.</summary>
    public QueryMemory Memory => Statement.Memory;

    /// <summary>The plan of each subquery expression, by its id.</summary>
    public PhysicalOperator?[] Subplans { get; } = subplans;

    /// <summary>Set for EXPLAIN ANALYZE: every operator run in the statement counts its rows and time there.</summary>
    public Explain.PlanInstrumentation? Instrumentation { get; set; }

    /// <summary>The latest result of each subquery expression and the arguments it was computed for.</summary>
    /// <summary>The values of the statement's $1..$n (a prepared statement's Bind), already of their parameters' types.</summary>
    public object?[] ParameterValues { get; set; } = [];

    public object?[] SubqueryResults { get; } = new object?[subplans.Length];

    public object?[]?[] SubqueryArguments { get; } = new object?[]?[subplans.Length];

    /// <summary>The plan of each WITH query, by its id, and its rows once read.</summary>
    public PhysicalOperator?[] CommonTablePlans { get; } = commonTables;

    public List<object?[]>?[] CommonTableRows { get; } = new List<object?[]>?[commonTables.Length];

    /// <summary>For WITH RECURSIVE: the rows of the previous round, by WITH query id.</summary>
    public List<object?[]>?[] WorkTables { get; } = new List<object?[]>?[commonTables.Length];

    private StatementWrites? _writes;

    /// <summary>Where the statement's INSERT, UPDATE and DELETE nodes write: straight into the store unless the engine
    /// chose deferred writes for a statement with data-modifying WITH queries.</summary>
    public StatementWrites Writes
    {
        get => _writes ??= new StatementWrites(Store, deferred: false, Statement);
        set => _writes = value;
    }
}

/// <summary>
/// The context an operator runs in: the statement's shared state, the outer values of the query level it belongs to
/// (a correlated subquery's parameters), and, for the right side of a lateral join, the current left row.
/// </summary>
internal sealed class ExecutionContext(StatementState statement, object?[] parameters, object?[]? lateralRow)
{
    private static readonly object?[] NoValues = [];

    public ExecutionContext(StatementState statement) : this(statement, NoValues, null)
    {
    }

    public StatementState Statement { get; } = statement;

    public object?[] Parameters { get; } = parameters;

    /// <summary>The left row of a lateral join, which the right side's arguments read; null elsewhere.</summary>
    public object?[]? LateralRow { get; } = lateralRow;

    /// <summary>The row that the arguments of a FROM item are evaluated against.</summary>
    public object?[] OuterRow => LateralRow ?? NoValues;

    public ITransactionStore Store => Statement.Store;

    public CancellationToken CancellationToken => Statement.CancellationToken;

    public QueryMemory Memory => Statement.Memory;

    /// <summary>The context of expressions computed outside an operator tree (a generated column, a CHECK, a DEFAULT, a
    /// constant folded while planning): the statement's settings and transaction, no subqueries or parameters.</summary>
    public static ExecutionContext ForExpressions(StatementContext statement, ITransactionStore? store = null) =>
        new(new StatementState(store, statement, [], []));

    public ExecutionContext WithParameters(object?[] parameters) => new(Statement, parameters, null);

    public ExecutionContext WithLateralRow(object?[] row) => new(Statement, Parameters, row);
}
