using Log.QueryNode.Sql.Binder;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// Set-returning functions of a select list (PostgreSQL's ProjectSet): for each input row, the functions' arguments are
/// evaluated and the functions advance in lock step; each output row is the input row followed by one value per
/// function, NULL for a function already done, until every function is done. An input row for which every function
/// returns nothing gives no row. A function of several columns yields them as one record.
/// </summary>
internal sealed class ProjectSetOperator(PhysicalOperator input, int inputWidth, IReadOnlyList<BoundSetFunctionCall> functions) : PhysicalOperator
{
    private readonly CompiledExpression[][] _arguments =
        functions.Select(function => function.Arguments.Select(argument => new CompiledExpression(argument)).ToArray()).ToArray();

    public PhysicalOperator Input { get; } = input;

    public IReadOnlyList<BoundSetFunctionCall> Functions { get; } = functions;

    /// <summary>The width of the input rows, after which the functions' columns come.</summary>
    public int InputWidth { get; } = inputWidth;

    public override string Name => "ProjectSet";

    public override IReadOnlyList<PhysicalOperator> Children => [Input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        var enumerators = new IEnumerator<object?[]>?[Functions.Count];
        long produced = 0;
        await foreach (object?[] row in Input.ExecuteAsync(context))
        {
            try
            {
                for (int index = 0; index < enumerators.Length; index++)
                {
                    var values = new object?[_arguments[index].Length];
                    for (int argument = 0; argument < values.Length; argument++) values[argument] = await _arguments[index][argument].EvaluateAsync(row, context);
                    enumerators[index] = FunctionScanOperator.Rows(Functions[index].Function, values, Functions[index].Name, context.Statement.Statement.DateTimeSettings).GetEnumerator();
                }
                while (true)
                {
                    if ((produced++ & 1023) == 0) context.CancellationToken.ThrowIfCancellationRequested();
                    var output = new object?[InputWidth + enumerators.Length];
                    Array.Copy(row, output, InputWidth);
                    bool any = false;
                    for (int index = 0; index < enumerators.Length; index++)
                    {
                        IEnumerator<object?[]>? enumerator = enumerators[index];
                        if (enumerator is null) continue;
                        if (!enumerator.MoveNext())
                        {
                            enumerator.Dispose();
                            enumerators[index] = null;
                            continue;
                        }
                        any = true;
                        output[InputWidth + index] = ValueOf(Functions[index], enumerator.Current);
                    }
                    if (!any) break;
                    yield return output;
                }
            }
            finally
            {
                for (int index = 0; index < enumerators.Length; index++)
                {
                    enumerators[index]?.Dispose();
                    enumerators[index] = null;
                }
            }
        }
    }

    /// <summary>A function's value in the output row: its one column, or its columns as a record.</summary>
    private static object? ValueOf(BoundSetFunctionCall function, object?[] columns) =>
        function.RecordFields is { } fields ? new PgRecord(columns, fields.Select(field => field.Oid).ToArray()) : columns[0];
}
