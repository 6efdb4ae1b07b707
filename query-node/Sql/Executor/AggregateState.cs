using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The state of one aggregate over the inputs fed to it, for one group (or one window frame). An input is the
/// aggregate's argument values followed by its ordering values, for a row that passed its FILTER. Aggregates with an
/// ordering (ORDER BY inside the call, WITHIN GROUP) or whose DISTINCT result depends on the order of its inputs keep
/// their inputs and compute at <see cref="Result"/>; the rest fold each input into a transition state, as PostgreSQL's
/// transition functions do, with the same arithmetic (so float results agree to the last bit).
/// <see cref="Result"/> can be called repeatedly as inputs arrive (running window aggregates); <see cref="Remove"/>
/// undoes an input where the aggregate has an inverse (PostgreSQL's moving-aggregate support), for sliding frames.
/// </summary>
internal sealed class AggregateState
{
    private readonly BoundAggregate _aggregate;
    private readonly int _argumentCount;
    private readonly List<object?[]>? _buffer;
    private readonly HashSet<object?[]>? _distinct;
    private readonly Transition _transition;

    /// <summary>The session's date/time settings, which json_agg and jsonb_agg write timestamps with.</summary>
    private readonly DateTimeSettings _settings;

    public AggregateState(BoundAggregate aggregate, DateTimeSettings settings)
    {
        _aggregate = aggregate;
        _settings = settings;
        _argumentCount = aggregate.Arguments.Count;
        _transition = new Transition(aggregate, settings);
        if (aggregate.OrderBy.Count > 0 || (aggregate.Distinct && OrderSensitive(aggregate)))
        {
            _buffer = [];
        }
        else if (aggregate.Distinct)
        {
            _distinct = new HashSet<object?[]>(new RowEqualityComparer(_argumentCount));
        }
    }

    /// <summary>Whether a state of the aggregate keeps the input arrays given to <see cref="Add"/> (to sort them, or to
    /// tell distinct ones apart); the others read an input only while it is added.</summary>
    public static bool KeepsInputs(BoundAggregate aggregate) => aggregate.OrderBy.Count > 0 || aggregate.Distinct;

    /// <summary>Whether the aggregate's result depends on the order of its inputs (so DISTINCT sorts them, as
    /// PostgreSQL's DISTINCT aggregates do).</summary>
    private static bool OrderSensitive(BoundAggregate aggregate) =>
        aggregate.Function is AggregateFunction.StringAgg or AggregateFunction.ArrayAgg or AggregateFunction.JsonAgg or AggregateFunction.JsonbAgg
            or AggregateFunction.JsonObjectAgg
        || aggregate.Type.Kind is TypeKind.Float8 or TypeKind.Float4;

    /// <summary>Whether <see cref="Remove"/> is exact for this aggregate.</summary>
    public bool CanRemove => _buffer is null && _distinct is null && _transition.CanRemove;

    public void Add(object?[] input)
    {
        if (_buffer is not null)
        {
            _buffer.Add(input);
            return;
        }
        // NULLs are distinct inputs too: the transition skips them or keeps them (array_agg, json_agg) as without DISTINCT.
        if (_distinct is not null && !_distinct.Add(input)) return;
        _transition.Add(input);
    }

    /// <summary>
    /// Adds <paramref name="count"/> non-NULL integer inputs at once, whose total is <paramref name="sum"/> (a scan's
    /// aggregate folds a page of rows into longs, <see cref="IntegerScanAggregate"/>): for count(*) and count, the
    /// count; for sum and avg, also the total, with the same overflow into numeric as one input at a time (integer
    /// addition does not depend on the order). A state that keeps its inputs (DISTINCT, ORDER BY) takes none this way.
    /// </summary>
    public void AddIntegers(long count, long sum)
    {
        if (_buffer is not null || _distinct is not null) throw new InvalidOperationException("a state that keeps its inputs takes them one by one");
        _transition.AddIntegers(count, sum);
    }

    /// <summary>Undoes an input; false when the state can no longer give the exact result (a numeric sum lost the
    /// last value of its largest scale, as PostgreSQL's do_numeric_discard refuses), so the caller must recompute.</summary>
    public bool TryRemove(object?[] input)
    {
        if (!CanRemove) throw new InvalidOperationException($"aggregate {_aggregate.Function} has no inverse");
        return _transition.TryRemove(input);
    }

    public void Reset()
    {
        _buffer?.Clear();
        _distinct?.Clear();
        _transition.Reset();
    }

    public object? Result()
    {
        if (_buffer is null) return _transition.Result();
        List<object?[]> inputs = Sorted(_buffer);
        switch (_aggregate.Function)
        {
            case AggregateFunction.PercentileContinuous or AggregateFunction.PercentileDiscrete or AggregateFunction.Mode:
                return OrderedSetResult(inputs);
        }
        var fresh = new Transition(_aggregate, _settings);
        HashSet<object?[]>? seen = _aggregate.Distinct ? new HashSet<object?[]>(new RowEqualityComparer(_argumentCount)) : null;
        foreach (object?[] input in inputs)
        {
            if (seen is not null && !seen.Add(input)) continue;
            fresh.Add(input);
        }
        return fresh.Result();
    }

    /// <summary>The inputs in the aggregate's order (then, for DISTINCT, by the arguments), stable.</summary>
    private List<object?[]> Sorted(List<object?[]> inputs)
    {
        IReadOnlyList<BoundSortItem> orderBy = _aggregate.OrderBy;
        var keys = new List<(int Index, BoundSortItem Item)>();
        for (int index = 0; index < orderBy.Count; index++) keys.Add((_argumentCount + index, orderBy[index]));
        if (_aggregate.Distinct)
        {
            for (int index = 0; index < _argumentCount; index++) keys.Add((index, new BoundSortItem(_aggregate.Arguments[index], false, false)));
        }
        var order = new int[inputs.Count];
        for (int index = 0; index < order.Length; index++) order[index] = index;
        Array.Sort(order, (left, right) =>
        {
            foreach ((int column, BoundSortItem item) in keys)
            {
                int compared = CompareForSort(inputs[left][column], inputs[right][column], item);
                if (compared != 0) return compared;
            }
            return left.CompareTo(right);
        });
        return order.Select(index => inputs[index]).ToList();
    }

    /// <summary>Sort order of two values under an ordering item: direction, NULLS FIRST/LAST, char(n) without its padding.</summary>
    public static int CompareForSort(object? left, object? right, BoundSortItem item)
    {
        if (left is null || right is null)
        {
            if (left is null && right is null) return 0;
            return (left is null) == item.NullsFirst ? -1 : 1;
        }
        int order = item.Expression.Type.Kind == TypeKind.Bpchar
            ? ValueComparer.CompareText(((string)left).TrimEnd(' '), ((string)right).TrimEnd(' '))
            : ValueComparer.CompareNonNull(left, right);
        return item.Descending ? -order : order;
    }

    /// <summary>percentile_cont / percentile_disc / mode over the sorted inputs, NULL values left out.</summary>
    private object? OrderedSetResult(List<object?[]> inputs)
    {
        int valueColumn = _argumentCount;
        var values = new List<object>(inputs.Count);
        foreach (object?[] input in inputs)
        {
            if (input[valueColumn] is { } value) values.Add(value);
        }
        if (values.Count == 0) return null;
        if (_aggregate.Function == AggregateFunction.Mode)
        {
            object best = values[0];
            int bestRun = 0;
            int run = 0;
            for (int index = 0; index < values.Count; index++)
            {
                run = index > 0 && ValueComparer.AreEqual(values[index], values[index - 1]) ? run + 1 : 1;
                if (run > bestRun)
                {
                    bestRun = run;
                    best = values[index];
                }
            }
            return best;
        }
        if (inputs[0][0] is not double fraction) return null;
        if (fraction < 0 || fraction > 1 || double.IsNaN(fraction))
        {
            throw new SqlException(SqlState.NumericValueOutOfRange,
                $"percentile value {ValueFormatter.FormatFloat8(fraction)} is not between 0 and 1");
        }
        int count = values.Count;
        if (_aggregate.Function == AggregateFunction.PercentileDiscrete)
        {
            long row = (long)Math.Ceiling(fraction * count);
            return values[(int)Math.Max(row - 1, 0)];
        }
        double position = fraction * (count - 1);
        int first = (int)Math.Floor(position);
        int second = (int)Math.Ceiling(position);
        double low = (double)values[first];
        if (first == second) return low;
        double high = (double)values[second];
        return low + (high - low) * (position - first);
    }

    /// <summary>A transition state per aggregate kind (PostgreSQL's transition and final functions).</summary>
    private sealed class Transition(BoundAggregate aggregate, DateTimeSettings settings)
    {
        private readonly AggregateFunction _function = aggregate.Function;
        private readonly TypeKind _argumentKind = aggregate.Arguments.Count > 0 ? aggregate.Arguments[0].Type.Kind : TypeKind.Unknown;
        private long _count;
        private long _integerSum;
        private readonly NumericAccumulator _numericSum = new();
        private readonly NumericAccumulator _numericSumOfSquares = new();
        private double _floatSum;
        private double _floatSumOfSquares;
        private bool _integerSumOverflowed;
        private Log.Wire.Types.PgInterval _intervalSum;

        /// <summary>The largest scale among the numeric values summed, and how many have it: the result's scale.</summary>
        private int _maximumScale;
        private long _maximumScaleCount;
        private object? _value;
        private StringBuilder? _text;
        private List<object?>? _elements;
        private readonly JsonAggregate? _json = JsonAggregate.Handles(aggregate.Function) ? new JsonAggregate(aggregate, settings) : null;

        public bool CanRemove => _function switch
        {
            AggregateFunction.CountStar or AggregateFunction.Count => true,
            AggregateFunction.Sum or AggregateFunction.Avg => _argumentKind != TypeKind.Float8,
            _ => false,
        };

        public void Reset()
        {
            _count = 0;
            _integerSum = 0;
            _numericSum.Reset();
            _numericSumOfSquares.Reset();
            _floatSum = 0;
            _floatSumOfSquares = 0;
            _integerSumOverflowed = false;
            _intervalSum = IntervalMath.Zero;
            _maximumScale = 0;
            _maximumScaleCount = 0;
            _value = null;
            _text = null;
            _elements = null;
            _json?.Reset();
        }

        public void Add(object?[] input)
        {
            try
            {
                AddValue(input);
            }
            catch (OverflowException)
            {
                throw new SqlException(SqlState.NumericValueOutOfRange, "value overflows numeric format");
            }
        }

        public void AddIntegers(long count, long sum)
        {
            _count += count;
            if (_function is not (AggregateFunction.Sum or AggregateFunction.Avg)) return;
            try
            {
                AddInteger(sum, 1);
            }
            catch (OverflowException)
            {
                throw new SqlException(SqlState.NumericValueOutOfRange, "value overflows numeric format");
            }
        }

        private void AddValue(object?[] input)
        {
            if (_function == AggregateFunction.CountStar)
            {
                _count++;
                return;
            }
            if (_json is not null)
            {
                _json.Add(input);
                return;
            }
            object? value = input[0];
            if (_function == AggregateFunction.ArrayAgg)
            {
                (_elements ??= []).Add(value); // array_agg keeps NULLs
                _count++;
                return;
            }
            if (value is null) return; // aggregates skip NULLs
            _count++;
            switch (_function)
            {
                case AggregateFunction.Sum:
                case AggregateFunction.Avg:
                    AddNumber(value, 1);
                    break;
                case AggregateFunction.Min:
                    if (_value is null || ValueComparer.CompareNonNull(value, _value) < 0) _value = value;
                    break;
                case AggregateFunction.Max:
                    if (_value is null || ValueComparer.CompareNonNull(value, _value) > 0) _value = value;
                    break;
                case AggregateFunction.StringAgg:
                    if (_text is null)
                    {
                        _text = new StringBuilder((string)value);
                    }
                    else
                    {
                        if (input[1] is string delimiter) _text.Append(delimiter);
                        _text.Append((string)value);
                    }
                    break;
                case AggregateFunction.BoolAnd:
                    _value = _value is false ? false : (bool)value;
                    break;
                case AggregateFunction.BoolOr:
                    _value = _value is true ? true : (bool)value;
                    break;
                case AggregateFunction.BitAnd:
                    _value = _value is null ? value : Bitwise(_value, value, and: true);
                    break;
                case AggregateFunction.BitOr:
                    _value = _value is null ? value : Bitwise(_value, value, and: false);
                    break;
                case AggregateFunction.StddevSample or AggregateFunction.StddevPopulation or AggregateFunction.VarianceSample or AggregateFunction.VariancePopulation:
                    if (value is double number)
                    {
                        // float8_accum: Youngs-Cramer, the same steps as PostgreSQL so results agree to the bit.
                        _floatSum += number;
                        if (_count > 1)
                        {
                            double difference = number * _count - _floatSum;
                            _floatSumOfSquares += difference * difference / (_count * (double)(_count - 1));
                        }
                        else
                        {
                            _floatSumOfSquares = 0;
                        }
                    }
                    else
                    {
                        PgNumeric exact = NumericOperations.From(value);
                        _numericSum.Add(exact, 1);
                        _numericSumOfSquares.Add(NumericOperations.Multiply(exact, exact), 1);
                        if (exact.Scale > _maximumScale) _maximumScale = exact.Scale;
                    }
                    break;
            }
        }

        public bool TryRemove(object?[] input)
        {
            if (_function == AggregateFunction.CountStar)
            {
                _count--;
                return true;
            }
            object? value = input[0];
            if (value is null) return true;
            if (value is PgNumeric leaving && leaving.Scale == _maximumScale && --_maximumScaleCount == 0 && _count > 1) return false;
            if (--_count == 0) _maximumScale = 0;
            if (_function is AggregateFunction.Sum or AggregateFunction.Avg)
            {
                try
                {
                    AddNumber(value, -1);
                }
                catch (OverflowException)
                {
                    throw new SqlException(SqlState.NumericValueOutOfRange, "value overflows numeric format");
                }
            }
            return true;
        }

        private void AddNumber(object value, int sign)
        {
            switch (value)
            {
                case short s: AddInteger(s, sign); break;
                case int i: AddInteger(i, sign); break;
                case long l: AddInteger(l, sign); break;
                case PgNumeric m:
                    _numericSum.Add(m, sign);
                    if (sign > 0 && m.Scale > _maximumScale)
                    {
                        _maximumScale = m.Scale;
                        _maximumScaleCount = 1;
                    }
                    else if (sign > 0 && m.Scale == _maximumScale)
                    {
                        _maximumScaleCount++;
                    }
                    break;
                case double d: _floatSum += d; break;
                case Log.Wire.Types.PgInterval interval:
                    _intervalSum = sign > 0 ? IntervalMath.Add(_intervalSum, interval) : IntervalMath.Subtract(_intervalSum, interval);
                    break;
            }
        }

        private void AddInteger(long value, int sign)
        {
            if (!_integerSumOverflowed)
            {
                if (sign < 0 && value == long.MinValue)
                {
                    _integerSumOverflowed = true;
                    _numericSum.Reset();
                    _numericSum.Add(_integerSum, 1);
                    _numericSum.Add(value, -1);
                    return;
                }
                long signed = sign > 0 ? value : -value;
                long sum = unchecked(_integerSum + signed);
                if (((_integerSum ^ sum) & (signed ^ sum)) < 0)
                {
                    _integerSumOverflowed = true;
                    _numericSum.Reset();
                    _numericSum.Add(_integerSum, 1);
                    _numericSum.Add(signed, 1);
                }
                else
                {
                    _integerSum = sum;
                }
            }
            else
            {
                _numericSum.Add(value, sign);
            }
        }

        private static object Bitwise(object left, object right, bool and) => (left, right) switch
        {
            (short a, short b) => (object)(short)(and ? a & b : a | b),
            (int a, int b) => (object)(and ? a & b : a | b),
            (long a, long b) => (object)(and ? a & b : a | b),
            _ => throw new InvalidOperationException($"bitwise aggregate over {left.GetType()}"),
        };

        private PgNumeric IntegerTotal => _integerSumOverflowed ? _numericSum.Total(0) : PgNumeric.FromInt64(_integerSum);

        public object? Result()
        {
            if (_json is not null) return _json.Result();
            switch (_function)
            {
                case AggregateFunction.CountStar:
                case AggregateFunction.Count:
                    return _count;
                case AggregateFunction.Min or AggregateFunction.Max or AggregateFunction.BoolAnd or AggregateFunction.BoolOr
                    or AggregateFunction.BitAnd or AggregateFunction.BitOr:
                    return _count == 0 ? null : _value;
                case AggregateFunction.StringAgg:
                    return _text?.ToString();
                case AggregateFunction.ArrayAgg:
                    return _elements is null ? null : Functions.ArrayExpressions.Aggregate(_elements, _argumentKind == TypeKind.Array);
                case AggregateFunction.StddevSample or AggregateFunction.StddevPopulation or AggregateFunction.VarianceSample or AggregateFunction.VariancePopulation:
                    return Dispersion();
            }
            if (_count == 0) return null;
            // interval_avg is the sum divided by the count with interval_div's cascading of fractions.
            if (_argumentKind == TypeKind.Interval) return _function == AggregateFunction.Sum ? _intervalSum : IntervalMath.Divide(_intervalSum, _count);
            if (_function == AggregateFunction.Sum)
            {
                return aggregate.Type.Kind switch
                {
                    TypeKind.Int8 => _integerSumOverflowed ? throw ValueCast.OutOfRange("bigint") : _integerSum,
                    TypeKind.Float8 => _floatSum,
                    TypeKind.Float4 => (float)_floatSum,
                    _ => _argumentKind == TypeKind.Numeric ? _numericSum.Total(_maximumScale) : IntegerTotal,
                };
            }
            if (_argumentKind == TypeKind.Float8) return _floatSum / _count;
            PgNumeric total = _argumentKind == TypeKind.Numeric ? _numericSum.Total(_maximumScale) : IntegerTotal;
            return NumericOperations.Divide(total, PgNumeric.FromInt64(_count));
        }

        /// <summary>Variance and standard deviation: float8_var_samp etc. for float8 input; numeric_stddev_internal
        /// (exact sums, PostgreSQL's division scale, square root at that scale) otherwise.</summary>
        private object? Dispersion()
        {
            bool sample = _function is AggregateFunction.StddevSample or AggregateFunction.VarianceSample;
            bool root = _function is AggregateFunction.StddevSample or AggregateFunction.StddevPopulation;
            if (_count <= (sample ? 1 : 0)) return null;
            if (_argumentKind == TypeKind.Float8)
            {
                double variance = _floatSumOfSquares / (sample ? _count - 1 : _count);
                return root ? Math.Sqrt(variance) : variance;
            }
            // numeric_stddev_internal: exact N·Σx² - (Σx)² at twice the inputs' scale, then PostgreSQL's division scale.
            if (_numericSum.HasSpecialValues) return PgNumeric.NaN;
            PgNumeric count = PgNumeric.FromInt64(_count);
            PgNumeric sum = _numericSum.Total(_maximumScale);
            PgNumeric numerator = NumericOperations.Add(
                NumericOperations.Multiply(count, _numericSumOfSquares.Total(2 * _maximumScale)),
                NumericOperations.Multiply(sum, sum).Negate());
            if (numerator.Sign <= 0) return PgNumeric.Zero;
            PgNumeric denominator = PgNumeric.FromInt64(_count) is var n && sample
                ? NumericOperations.Multiply(n, PgNumeric.FromInt64(_count - 1))
                : NumericOperations.Multiply(n, n);
            int scale = NumericOperations.DivisionScale(numerator, denominator);
            PgNumeric quotient = PgNumeric.DivideFinite(numerator, denominator, scale);
            return root ? Functions.NumericMath.SquareRoot(quotient, scale) : quotient;
        }
    }
}
