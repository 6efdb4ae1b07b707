using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>Hash aggregation: one state per group and aggregate. Output rows are the group key values followed by
/// the aggregate results. With no GROUP BY there is exactly one group, even over no rows (count(*) = 0).</summary>
internal sealed class Aggregator
{
    private readonly IReadOnlyList<BoundExpression> _groupKeys;
    private readonly IReadOnlyList<BoundAggregate> _aggregates;
    private readonly ExecutionContext? _context;
    private readonly Dictionary<object?[], AggregateState[]> _groups;
    private readonly List<object?[]> _groupOrder = [];
    private AggregateState[]? _singleGroup;

    public Aggregator(IReadOnlyList<BoundExpression> groupKeys, IReadOnlyList<BoundAggregate> aggregates, ExecutionContext? context)
    {
        _groupKeys = groupKeys;
        _aggregates = aggregates;
        _context = context;
        _groups = new Dictionary<object?[], AggregateState[]>(new RowEqualityComparer(groupKeys.Count));
    }

    /// <summary>An aggregate's state object, its fields and its slot in the group's array.</summary>
    private const int GroupStateBytes = 96;

    /// <summary>The memory the groups hold, reserved against the statement's limit (the caller releases it).</summary>
    public long ReservedBytes { get; private set; }

    public void Add(object?[] row)
    {
        IReadOnlyList<BoundExpression> groupKeys = _groupKeys;
        AggregateState[]? states;
        if (groupKeys.Count == 0 && _groupOrder.Count == 1)
        {
            // One group (no GROUP BY): no key to build or hash for every row.
            states = _singleGroup!;
        }
        else
        {
            states = FindGroup(row, groupKeys);
        }
        for (int index = 0; index < states.Length; index++)
        {
            BoundAggregate aggregate = _aggregates[index];
            object? value = aggregate.Argument is null ? true : ExpressionEvaluator.Evaluate(aggregate.Argument, row, _context);
            states[index].Add(value);
        }
    }

    private AggregateState[] FindGroup(object?[] row, IReadOnlyList<BoundExpression> groupKeys)
    {
        var key = new object?[groupKeys.Count];
        for (int index = 0; index < key.Length; index++) key[index] = ExpressionEvaluator.Evaluate(groupKeys[index], row, _context);
        if (!_groups.TryGetValue(key, out AggregateState[]? states))
        {
            if (_context is not null)
            {
                long size = QueryMemory.SizeOf(key) + QueryMemory.HashEntryBytes + GroupStateBytes * _aggregates.Count;
                _context.Memory.Reserve(size, "HashAggregate");
                ReservedBytes += size;
            }
            states = NewStates();
            _groups.Add(key, states);
            _groupOrder.Add(key);
            if (groupKeys.Count == 0) _singleGroup = states;
        }
        return states;
    }

    private AggregateState[] NewStates()
    {
        var states = new AggregateState[_aggregates.Count];
        for (int index = 0; index < states.Length; index++) states[index] = new AggregateState(_aggregates[index]);
        return states;
    }

    public IEnumerable<object?[]> Results()
    {
        if (_groupOrder.Count == 0 && _groupKeys.Count == 0)
        {
            _groupOrder.Add([]);
            _groups.Add([], NewStates());
        }
        int keyCount = _groupKeys.Count;
        foreach (object?[] key in _groupOrder)
        {
            AggregateState[] states = _groups[key];
            var output = new object?[keyCount + states.Length];
            key.CopyTo(output, 0);
            for (int index = 0; index < states.Length; index++) output[keyCount + index] = states[index].Result();
            yield return output;
        }
    }

    private sealed class AggregateState(BoundAggregate aggregate)
    {
        private long _count;
        private long _integerSum;
        private decimal _numericSum;
        private double _floatSum;
        private bool _integerSumOverflowed;
        private object? _extreme;
        private HashSet<object>? _distinct;

        public void Add(object? value)
        {
            try
            {
                AddValue(value);
            }
            catch (OverflowException)
            {
                throw new Execution.SqlException(Execution.SqlState.NumericValueOutOfRange, "value overflows numeric format");
            }
        }

        private void AddValue(object? value)
        {
            if (value is null) return; // aggregates skip NULLs (count(*) passes a non-null marker)
            if (aggregate.Distinct)
            {
                _distinct ??= [];
                if (!_distinct.Add(value)) return;
            }
            _count++;
            switch (aggregate.Function)
            {
                case AggregateFunction.Sum:
                case AggregateFunction.Avg:
                    switch (value)
                    {
                        case short s: AddInteger(s); break;
                        case int i: AddInteger(i); break;
                        case long l: AddInteger(l); break;
                        case decimal m: _numericSum = checked(_numericSum + m); break;
                        case double d: _floatSum += d; break;
                    }
                    break;
                case AggregateFunction.Min:
                    if (_extreme is null || ValueComparer.CompareNonNull(value, _extreme) < 0) _extreme = value;
                    break;
                case AggregateFunction.Max:
                    if (_extreme is null || ValueComparer.CompareNonNull(value, _extreme) > 0) _extreme = value;
                    break;
            }
        }

        private void AddInteger(long value)
        {
            if (!_integerSumOverflowed)
            {
                long sum = unchecked(_integerSum + value);
                if (((_integerSum ^ sum) & (value ^ sum)) < 0)
                {
                    _integerSumOverflowed = true;
                    _numericSum = (decimal)_integerSum + value;
                }
                else
                {
                    _integerSum = sum;
                }
            }
            else
            {
                _numericSum += value;
            }
        }

        private decimal IntegerTotal => _integerSumOverflowed ? _numericSum : _integerSum;

        public object? Result()
        {
            switch (aggregate.Function)
            {
                case AggregateFunction.CountStar:
                case AggregateFunction.Count:
                    return _count;
                case AggregateFunction.Min:
                case AggregateFunction.Max:
                    return _extreme;
            }
            if (_count == 0) return null;
            TypeKind argumentKind = aggregate.Argument!.Type.Kind;
            if (aggregate.Function == AggregateFunction.Sum)
            {
                return aggregate.Type.Kind switch
                {
                    TypeKind.Int8 => _integerSumOverflowed ? throw ValueCast.OutOfRange("bigint") : _integerSum,
                    TypeKind.Float8 => _floatSum,
                    _ => argumentKind == TypeKind.Numeric ? _numericSum : IntegerTotal,
                };
            }
            if (argumentKind == TypeKind.Float8) return _floatSum / _count;
            decimal total = argumentKind == TypeKind.Numeric ? _numericSum : IntegerTotal;
            return ValueArithmetic.Divide(total, _count);
        }
    }
}
