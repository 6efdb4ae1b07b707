using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>The integer columns of one row that a scan's aggregate reads, as longs, in slots: a slot's bit in
/// <see cref="Present"/> is clear when the column is NULL. Reused for every row of a scan.</summary>
internal sealed class IntegerColumns(int slots)
{
    public readonly long[] Values = new long[slots];

    public ulong Present;
}

/// <summary>
/// An aggregate without GROUP BY straight over a table scan, when it is made of count(*) and count, sum, avg, min and
/// max of integer columns, and the scan's filter only compares integer columns (<c>SELECT count(*), sum(amount) FROM t
/// WHERE amount % 10 &lt; 3</c>): each stored row's integer columns are read from its bytes into longs
/// (<see cref="RowEncoder.TryDecodeIntegers"/>), the filter is compiled over them, and the aggregates are folded into
/// longs, with no object row, no box and no call per aggregate. The folded counts and totals are handed to the
/// aggregates' own states at the end (<see cref="AggregateState.AddIntegers"/>), which give the results as always (the
/// type of sum and avg, the overflow of a sum into numeric). A row the direct decoding cannot read (see there) is
/// decoded and filtered as the scan does it, and its values folded the same way.
/// </summary>
internal sealed class IntegerScanAggregate : Log.StorageNode.IKeyValueVisitor
{
    private readonly TableScanOperator _scan;
    private readonly ExecutionContext _context;
    private readonly TableDescriptor _table;
    private readonly TypeKind[] _kinds;

    /// <summary>By column ordinal, the slot of a column read (-1 for the others).</summary>
    private readonly int[] _slotOfOrdinal;

    /// <summary>By slot, the column's ordinal.</summary>
    private readonly int[] _ordinalOfSlot;

    private readonly Func<IntegerColumns, ExecutionContext, bool>? _filter;
    private readonly IntegerColumns _columns;

    /// <summary>Per aggregate: its function, the slot of its argument (-1 for count(*)), the inputs folded so far, and
    /// the total (sum, avg) or the least or greatest value (min, max) of them.</summary>
    private readonly AggregateFunction[] _functions;
    private readonly int[] _argumentSlots;
    private readonly long[] _counts;
    private readonly long[] _values;
    private readonly AggregateState[] _states;

    private IntegerScanAggregate(TableScanOperator scan, IReadOnlyList<BoundAggregate> aggregates, ExecutionContext context, int[] slotOfOrdinal,
        List<int> ordinalOfSlot, Func<IntegerColumns, ExecutionContext, bool>? filter)
    {
        _scan = scan;
        _context = context;
        _table = scan.Table;
        _kinds = RowEncoder.KindsOf(_table);
        _slotOfOrdinal = slotOfOrdinal;
        _ordinalOfSlot = ordinalOfSlot.ToArray();
        _filter = filter;
        _columns = new IntegerColumns(_ordinalOfSlot.Length);
        _functions = aggregates.Select(aggregate => aggregate.Function).ToArray();
        _argumentSlots = aggregates.Select(aggregate => aggregate.Function == AggregateFunction.CountStar ? -1
            : slotOfOrdinal[((BoundColumn)aggregate.Arguments[0]).Ordinal]).ToArray();
        _counts = new long[aggregates.Count];
        _values = new long[aggregates.Count];
        for (int index = 0; index < _values.Length; index++)
        {
            _values[index] = _functions[index] switch { AggregateFunction.Min => long.MaxValue, AggregateFunction.Max => long.MinValue, _ => 0 };
        }
        _states = aggregates.Select(aggregate => new AggregateState(aggregate, context.Statement.Statement.DateTimeSettings)).ToArray();
    }

    /// <summary>The folding aggregate for these aggregates over this scan; null when one of them, or the scan's filter,
    /// is not of the kinds above, or the table has columns added with a default (a row without the column reads it).</summary>
    public static IntegerScanAggregate? TryCreate(TableScanOperator scan, IReadOnlyList<BoundAggregate> aggregates, ExecutionContext context)
    {
        TableDescriptor table = scan.Table;
        if (table.HasMissingValues) return null;
        var slotOfOrdinal = new int[table.Columns.Count];
        Array.Fill(slotOfOrdinal, -1);
        var ordinalOfSlot = new List<int>();
        // A slot per integer column read, at most one bit of IntegerColumns.Present each.
        int SlotOf(int ordinal)
        {
            if ((uint)ordinal >= (uint)slotOfOrdinal.Length || !table.Columns[ordinal].Type.IsInteger) return -1;
            if (slotOfOrdinal[ordinal] >= 0) return slotOfOrdinal[ordinal];
            if (ordinalOfSlot.Count == 64) return -1;
            ordinalOfSlot.Add(ordinal);
            return slotOfOrdinal[ordinal] = ordinalOfSlot.Count - 1;
        }
        foreach (BoundAggregate aggregate in aggregates)
        {
            if (aggregate.Distinct || aggregate.Filter is not null || aggregate.OrderBy.Count > 0) return null;
            if (aggregate.Function == AggregateFunction.CountStar) continue;
            if (aggregate.Function is not (AggregateFunction.Count or AggregateFunction.Sum or AggregateFunction.Avg or AggregateFunction.Min
                or AggregateFunction.Max)) return null;
            if (aggregate.Arguments is not [BoundColumn column] || !column.Type.IsInteger || SlotOf(column.Ordinal) < 0
                || table.Columns[column.Ordinal].Type.Kind != column.Type.Kind) return null;
        }
        Func<IntegerColumns, ExecutionContext, bool>? filter = null;
        if (scan.Filter is { } condition && (filter = CompiledCondition.TryCompileOverIntegers(condition, SlotOf)) is null) return null;
        return new IntegerScanAggregate(scan, aggregates, context, slotOfOrdinal, ordinalOfSlot, filter);
    }

    /// <summary>Runs the scan into the aggregates and returns their results (one row); null, having read nothing, when
    /// the scan reads otherwise than by visiting the stored rows (<see cref="TableScanOperator.TryVisitAsync"/>).</summary>
    public async ValueTask<object?[]?> TryRunAsync()
    {
        if (!await _scan.TryVisitAsync(_context, this)) return null;
        var results = new object?[_states.Length];
        for (int index = 0; index < _states.Length; index++)
        {
            AggregateState state = _states[index];
            long count = _counts[index];
            if (_functions[index] is AggregateFunction.Min or AggregateFunction.Max)
            {
                if (count > 0) state.Add([Box(_values[index], _kinds[_ordinalOfSlot[_argumentSlots[index]]])]);
            }
            else
            {
                state.AddIntegers(count, _values[index]);
            }
            results[index] = state.Result();
        }
        return results;
    }

    /// <summary>A value of an integer column as rows hold it.</summary>
    private static object Box(long value, TypeKind kind) => kind switch
    {
        TypeKind.Int2 => (short)value,
        TypeKind.Int4 => (int)value,
        _ => value,
    };

    public bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        IntegerColumns columns = _columns;
        if (columns.Values.Length > 0
            && !RowEncoder.TryDecodeIntegers(_table, value, _slotOfOrdinal, _kinds, columns.Values.Length, columns.Values, out columns.Present))
        {
            // The general path, as the scan reads a row: decoded, then filtered by the scan's own condition.
            object?[] row = _scan.DecodeRow(value.ToArray());
            if (!_scan.PassesFilter(row, _context)) return true;
            columns.Present = 0;
            for (int slot = 0; slot < columns.Values.Length; slot++)
            {
                if (row[_ordinalOfSlot[slot]] is not { } boxed) continue;
                columns.Values[slot] = Convert.ToInt64(boxed, System.Globalization.CultureInfo.InvariantCulture);
                columns.Present |= 1UL << slot;
            }
        }
        else if (_filter is not null && !_filter(columns, _context))
        {
            return true;
        }
        Fold(columns);
        return true;
    }

    /// <summary>Folds one row that passed the filter into each aggregate.</summary>
    private void Fold(IntegerColumns columns)
    {
        long[] counts = _counts;
        long[] values = _values;
        for (int index = 0; index < counts.Length; index++)
        {
            int slot = _argumentSlots[index];
            if (slot < 0)
            {
                counts[index]++; // count(*)
                continue;
            }
            if ((columns.Present & (1UL << slot)) == 0) continue; // NULL: skipped by every aggregate here
            long value = columns.Values[slot];
            counts[index]++;
            switch (_functions[index])
            {
                case AggregateFunction.Sum or AggregateFunction.Avg:
                {
                    long total = values[index];
                    long sum = unchecked(total + value);
                    if (((total ^ sum) & (value ^ sum)) < 0)
                    {
                        // The long would overflow: the total so far goes to the state, which sums into numeric past a long.
                        _states[index].AddIntegers(0, total);
                        sum = value;
                    }
                    values[index] = sum;
                    break;
                }
                case AggregateFunction.Min:
                    if (value < values[index]) values[index] = value;
                    break;
                case AggregateFunction.Max:
                    if (value > values[index]) values[index] = value;
                    break;
            }
        }
    }
}
