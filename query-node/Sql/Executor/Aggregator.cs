using Log.QueryNode.Sql.Binder;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Hash aggregation: one state per group and aggregate. Output rows are the group key values, then (with grouping
/// sets) one flag per key that is 1 where the row's grouping set leaves the key out, then the aggregate results.
/// With grouping sets each input row joins one group per set (the keys outside the set NULL). With no GROUP BY, and
/// for each empty grouping set, there is exactly one group even over no rows (count(*) = 0).
/// </summary>
internal sealed class Aggregator
{
    private readonly IReadOnlyList<BoundExpression> _groupKeys;
    private readonly IReadOnlyList<BoundAggregate> _aggregates;
    private readonly IReadOnlyList<IReadOnlyList<int>>? _groupingSets;
    private readonly ExecutionContext _context;
    private readonly Dictionary<object?[], AggregateState[]> _groups;
    private readonly List<object?[]> _groupOrder = [];
    private AggregateState[]? _singleGroup;

    /// <summary>Per aggregate, the input of the current row (null when its FILTER left the row out).</summary>
    private readonly object?[]?[] _inputs;

    /// <summary>Per aggregate, an input array reused for every row, where the aggregate's state never keeps its inputs
    /// (no ORDER BY, no DISTINCT): no array per row and aggregate.</summary>
    private readonly object?[]?[] _reusedInputs;

    public Aggregator(IReadOnlyList<BoundExpression> groupKeys, IReadOnlyList<BoundAggregate> aggregates, ExecutionContext context,
        IReadOnlyList<IReadOnlyList<int>>? groupingSets = null)
    {
        _groupKeys = groupKeys;
        _aggregates = aggregates;
        _groupingSets = groupingSets;
        _context = context;
        _inputs = new object?[]?[aggregates.Count];
        _reusedInputs = new object?[]?[aggregates.Count];
        for (int index = 0; index < aggregates.Count; index++)
        {
            BoundAggregate aggregate = aggregates[index];
            if (!AggregateState.KeepsInputs(aggregate)) _reusedInputs[index] = new object?[aggregate.Arguments.Count + aggregate.OrderBy.Count];
        }
        // With grouping sets a group's key starts with its set's index, so equal values in two sets stay two groups.
        _groups = new Dictionary<object?[], AggregateState[]>(new RowEqualityComparer(groupKeys.Count + (groupingSets is null ? 0 : 1)));
    }

    /// <summary>An aggregate's state object, its fields and its slot in the group's array.</summary>
    private const int GroupStateBytes = 96;

    /// <summary>The memory the groups hold, reserved against the statement's limit (the caller releases it).</summary>
    public long ReservedBytes { get; private set; }

    public void Add(object?[] row)
    {
        for (int index = 0; index < _aggregates.Count; index++) _inputs[index] = EvaluateInput(_aggregates[index], row, _context, _reusedInputs[index]);
        if (_groupingSets is null && _groupKeys.Count == 0)
        {
            // One group (no GROUP BY): no key to build or hash for every row.
            Update(_singleGroup ??= NewGroup([]));
            return;
        }
        var values = new object?[_groupKeys.Count];
        for (int index = 0; index < values.Length; index++) values[index] = ExpressionEvaluator.Evaluate(_groupKeys[index], row, _context);
        if (_groupingSets is null)
        {
            Update(FindGroup(values));
            return;
        }
        for (int set = 0; set < _groupingSets.Count; set++)
        {
            var key = new object?[values.Length + 1];
            key[0] = set;
            foreach (int member in _groupingSets[set]) key[member + 1] = values[member];
            Update(FindGroup(key));
        }
    }

    /// <summary>An aggregate's input from a row: its arguments, then its ordering values; null if FILTER rejects the row.
    /// Written into <paramref name="reused"/> when given (an array of the input's length).</summary>
    public static object?[]? EvaluateInput(BoundAggregate aggregate, object?[] row, ExecutionContext context, object?[]? reused = null)
    {
        if (aggregate.Filter is not null && ExpressionEvaluator.Evaluate(aggregate.Filter, row, context) is not true) return null;
        int argumentCount = aggregate.Arguments.Count;
        if (argumentCount == 0 && aggregate.OrderBy.Count == 0) return [];
        object?[] input = reused ?? new object?[argumentCount + aggregate.OrderBy.Count];
        for (int index = 0; index < argumentCount; index++) input[index] = ExpressionEvaluator.Evaluate(aggregate.Arguments[index], row, context);
        for (int index = 0; index < aggregate.OrderBy.Count; index++)
        {
            input[argumentCount + index] = ExpressionEvaluator.Evaluate(aggregate.OrderBy[index].Expression, row, context);
        }
        return input;
    }

    private void Update(AggregateState[] states)
    {
        for (int index = 0; index < states.Length; index++)
        {
            if (_inputs[index] is { } input) states[index].Add(input);
        }
    }

    private AggregateState[] FindGroup(object?[] key) => _groups.TryGetValue(key, out AggregateState[]? states) ? states : NewGroup(key);

    /// <summary>A new group, its memory reserved against the statement's limit.</summary>
    private AggregateState[] NewGroup(object?[] key)
    {
        if (_context is not null)
        {
            long size = QueryMemory.SizeOf(key) + QueryMemory.HashEntryBytes + GroupStateBytes * _aggregates.Count;
            _context.Memory.Reserve(size, "HashAggregate");
            ReservedBytes += size;
        }
        AggregateState[] states = NewStates();
        _groups.Add(key, states);
        _groupOrder.Add(key);
        return states;
    }

    private AggregateState[] NewStates()
    {
        var states = new AggregateState[_aggregates.Count];
        for (int index = 0; index < states.Length; index++) states[index] = new AggregateState(_aggregates[index], _context.Statement.Statement.DateTimeSettings);
        return states;
    }

    public IEnumerable<object?[]> Results()
    {
        AddEmptyGroups();
        int keyCount = _groupKeys.Count;
        foreach (object?[] key in _groupOrder)
        {
            AggregateState[] states = _groups[key];
            object?[] output;
            int first;
            if (_groupingSets is null)
            {
                output = new object?[keyCount + states.Length];
                key.CopyTo(output, 0);
                first = keyCount;
            }
            else
            {
                output = new object?[keyCount * 2 + states.Length];
                Array.Copy(key, 1, output, 0, keyCount);
                IReadOnlyList<int> set = _groupingSets[(int)key[0]!];
                for (int index = 0; index < keyCount; index++) output[keyCount + index] = set.Contains(index) ? 0 : 1;
                first = keyCount * 2;
            }
            for (int index = 0; index < states.Length; index++) output[first + index] = states[index].Result();
            yield return output;
        }
    }

    /// <summary>No GROUP BY, or an empty grouping set, makes one group even when no row arrived.</summary>
    private void AddEmptyGroups()
    {
        if (_groupingSets is null)
        {
            if (_groupOrder.Count == 0 && _groupKeys.Count == 0)
            {
                _groupOrder.Add([]);
                _groups.Add([], NewStates());
            }
            return;
        }
        for (int set = 0; set < _groupingSets.Count; set++)
        {
            if (_groupingSets[set].Count > 0) continue;
            var key = new object?[_groupKeys.Count + 1];
            key[0] = set;
            if (_groups.ContainsKey(key)) continue;
            _groupOrder.Add(key);
            _groups.Add(key, NewStates());
        }
    }
}
