using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// INSERT, UPDATE or DELETE of one table (PostgreSQL's ModifyTable node): reads its input to the end first, so the
/// statement never meets its own writes (the Halloween problem), then writes through the statement's
/// <see cref="StatementWrites"/> and emits, per row written, its RETURNING values (or an empty row, which the
/// statement counts). The row layouts are those of <see cref="LogicalModify"/>.
/// </summary>
internal sealed class ModifyTableOperator : PhysicalOperator
{
    private readonly PhysicalOperator _input;
    private readonly CompiledExpression[]? _returning;
    private readonly InsertExecutor.ConflictAction? _onConflict;

    public ModifyTableOperator(ModifyKind kind, TableDescriptor table, string referenceName, PhysicalOperator input,
        BoundOnConflict? onConflict, IReadOnlyList<BoundExpression>? returning)
    {
        Kind = kind;
        Table = table;
        ReferenceName = referenceName;
        _input = input;
        OnConflict = onConflict;
        _returning = returning?.Select(expression => new CompiledExpression(expression)).ToArray();
        _onConflict = onConflict is null ? null : new InsertExecutor.ConflictAction(onConflict);
    }

    public ModifyKind Kind { get; }

    public TableDescriptor Table { get; }

    public string ReferenceName { get; }

    public BoundOnConflict? OnConflict { get; }

    public bool HasReturning => _returning is not null;

    /// <summary>WITH CHECK OPTION conditions every row INSERT or UPDATE writes must meet (true; false or null is 44000).</summary>
    public IReadOnlyList<ViewCheck> ViewChecks
    {
        get => _viewChecks;
        init
        {
            _viewChecks = value;
            _compiledViewChecks = value.Select(check => new CompiledExpression(check.Condition)).ToArray();
        }
    }

    private readonly IReadOnlyList<ViewCheck> _viewChecks = [];
    private readonly CompiledExpression[] _compiledViewChecks = [];

    public override string Name => Kind.ToString();

    public override IReadOnlyList<PhysicalOperator> Children => [_input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        var rows = new List<object?[]>();
        await foreach (object?[] row in _input.ExecuteAsync(context)) rows.Add(row);
        context.CancellationToken.ThrowIfCancellationRequested();
        List<object?[]> written = Kind switch
        {
            ModifyKind.Insert => await InsertExecutor.InsertRowsAsync(Table, rows, _onConflict, context),
            ModifyKind.Update => await UpdateExecutor.UpdateRowsAsync(Table, rows, context),
            _ => await DeleteExecutor.DeleteRowsAsync(Table, rows, context),
        };
        if (Kind != ModifyKind.Delete) await CheckViewOptionsAsync(written, context);
        foreach (object?[] row in written)
        {
            if (_returning is null)
            {
                yield return [];
                continue;
            }
            var output = new object?[_returning.Length];
            for (int index = 0; index < output.Length; index++) output[index] = await _returning[index].EvaluateAsync(row, context);
            yield return output;
        }
    }

    /// <summary>PostgreSQL's ExecWithCheckOptions: a written row the view would not show fails the statement (the
    /// statement's writes go with it, as after any error).</summary>
    private async ValueTask CheckViewOptionsAsync(List<object?[]> written, ExecutionContext context)
    {
        if (_compiledViewChecks.Length == 0) return;
        foreach (object?[] row in written)
        {
            for (int index = 0; index < _compiledViewChecks.Length; index++)
            {
                if (await _compiledViewChecks[index].EvaluateAsync(row, context) is true) continue;
                throw new Execution.SqlException(Execution.SqlState.WithCheckOptionViolation,
                    $"new row violates check option for view \"{_viewChecks[index].ViewName}\"",
                    detail: ConstraintChecks.FailingRow(row[..Table.Columns.Count], context.Statement.Statement.DateTimeSettings));
            }
        }
    }
}
