using System.Collections;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Rows held column by column, for an operator that keeps many rows a while (a sort): each column's values of one CLR
/// value type (int, long, double, DateTime ...) are stored unboxed in arrays of that type, other values (strings,
/// numerics, arrays) by reference. The rows handed in are not kept, so they and their boxed values die young, and the
/// garbage collector has a few arrays of numbers to move instead of two objects per value. A column whose values turn
/// out to be of several CLR types is held as references from then on, so a row read back holds exactly the values
/// (and CLR types) it was added with. Storage is in chunks of <see cref="ChunkRows"/> rows: no array reaches the
/// large object heap and nothing is copied as the rows grow. Not thread-safe; one per operator run.
/// </summary>
internal sealed class RowColumns
{
    /// <summary>Rows per chunk: a chunk of 8-byte values stays under the large object heap's 85,000 bytes.</summary>
    public const int ChunkRows = 4096;

    private const int ChunkShift = 12;

    private readonly Column?[] _columns;

    public RowColumns(int width)
    {
        _columns = new Column?[width];
    }

    public int Count { get; private set; }

    public int Width => _columns.Length;

    /// <summary>Copies a row's values in (the row itself is not kept); returns the estimated bytes they now hold.</summary>
    public long Add(object?[] row)
    {
        if (row.Length != _columns.Length) throw new InvalidOperationException($"a row of {row.Length} columns added to rows of {_columns.Length}");
        long bytes = 0;
        for (int ordinal = 0; ordinal < row.Length; ordinal++)
        {
            object? value = row[ordinal];
            Column column = _columns[ordinal] ??= Column.For(value, Count);
            if (!column.TryAdd(value, Count))
            {
                column = ReferenceColumn.From(column, Count);
                _columns[ordinal] = column;
                column.TryAdd(value, Count);
            }
            bytes += value is null or ValueType ? sizeof(long) : sizeof(long) + QueryMemory.SizeOfValue(value);
        }
        Count++;
        return bytes;
    }

    /// <summary>The value of a column of a row, boxed anew for a value type.</summary>
    public object? ValueAt(int row, int ordinal)
    {
        System.Diagnostics.Debug.Assert((uint)row < (uint)Count);
        return _columns[ordinal]?.ValueAt(row);
    }

    /// <summary>A new array holding a row's values.</summary>
    public object?[] RowAt(int row)
    {
        var values = new object?[_columns.Length];
        for (int ordinal = 0; ordinal < values.Length; ordinal++) values[ordinal] = _columns[ordinal]?.ValueAt(row);
        return values;
    }

    /// <summary>Whether a column's value of a row is NULL.</summary>
    public bool IsNull(int row, int ordinal) => _columns[ordinal] is not { } column || column.IsNull(row);

    /// <summary>The column's values as longs when they are all integers (int, long or smallint) or NULL, without
    /// boxing: true with the values (0 for NULL) and the NULL flags (null when there is none).</summary>
    public bool TryReadIntegers(int ordinal, long[] values, out bool[]? nulls)
    {
        nulls = null;
        switch (_columns[ordinal])
        {
            case null:
                nulls = new bool[Count];
                Array.Fill(nulls, true);
                return true;
            case ValueColumn<int> ints:
                ints.Read(values, static value => value, out nulls);
                return true;
            case ValueColumn<long> longs:
                longs.Read(values, static value => value, out nulls);
                return true;
            case ValueColumn<short> shorts:
                shorts.Read(values, static value => value, out nulls);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The column's values as doubles when they are all float8 or float4 or NULL, without boxing.</summary>
    public bool TryReadFloats(int ordinal, double[] values, out bool[]? nulls)
    {
        nulls = null;
        switch (_columns[ordinal])
        {
            case ValueColumn<double> doubles:
                doubles.Read(values, static value => value, out nulls);
                return true;
            case ValueColumn<float> floats:
                floats.Read(values, static value => value, out nulls);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The rows <paramref name="order"/>[<paramref name="first"/>] on, <paramref name="count"/> of them, as a
    /// batch whose row arrays are built when the batch is first read: a consumer that only counts a batch (an OFFSET
    /// passing over it) builds none.</summary>
    public IReadOnlyList<object?[]> Batch(int[] order, int first, int count) => new LazyBatch(this, order, first, count);

    private sealed class LazyBatch(RowColumns columns, int[] order, int first, int count) : IReadOnlyList<object?[]>
    {
        private object?[][]? _rows;

        public int Count => count;

        public object?[] this[int index] => Rows()[index];

        private object?[][] Rows()
        {
            if (_rows is { } rows) return rows;
            rows = new object?[count][];
            for (int index = 0; index < count; index++) rows[index] = columns.RowAt(order[first + index]);
            return _rows = rows;
        }

        public IEnumerator<object?[]> GetEnumerator() => ((IEnumerable<object?[]>)Rows()).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>One column's values, in chunks.</summary>
    private abstract class Column
    {
        /// <summary>NULL flags by chunk, allocated with the chunk of the first NULL in it.</summary>
        protected bool[]?[] Nulls = new bool[]?[4];

        /// <summary>A column for values like the first non-NULL one; NULLs before it are added by the caller.</summary>
        public static Column For(object? value, int rowsBefore)
        {
            Column column = value switch
            {
                int => new ValueColumn<int>(),
                long => new ValueColumn<long>(),
                short => new ValueColumn<short>(),
                double => new ValueColumn<double>(),
                float => new ValueColumn<float>(),
                bool => new ValueColumn<bool>(),
                DateTime => new ValueColumn<DateTime>(),
                DateTimeOffset => new ValueColumn<DateTimeOffset>(),
                DateOnly => new ValueColumn<DateOnly>(),
                TimeOnly => new ValueColumn<TimeOnly>(),
                TimeSpan => new ValueColumn<TimeSpan>(),
                Guid => new ValueColumn<Guid>(),
                decimal => new ValueColumn<decimal>(),
                _ => new ReferenceColumn(),
            };
            for (int row = 0; row < rowsBefore; row++) column.TryAdd(null, row);
            return column;
        }

        /// <summary>Stores the value of row <paramref name="row"/> (the next one); false when it is of another CLR type.</summary>
        public abstract bool TryAdd(object? value, int row);

        public abstract object? ValueAt(int row);

        public virtual bool IsNull(int row) => Nulls.Length > row >> ChunkShift && Nulls[row >> ChunkShift] is { } flags && flags[row & (ChunkRows - 1)];

        protected void SetNull(int row)
        {
            int chunk = row >> ChunkShift;
            if (chunk >= Nulls.Length) Array.Resize(ref Nulls, Math.Max(chunk + 1, Nulls.Length * 2));
            (Nulls[chunk] ??= new bool[ChunkRows])[row & (ChunkRows - 1)] = true;
        }

        protected static void Grow<T>(ref T[][] chunks, int row)
        {
            int chunk = row >> ChunkShift;
            if (chunk >= chunks.Length) Array.Resize(ref chunks, Math.Max(chunk + 1, chunks.Length * 2));
            chunks[chunk] ??= new T[ChunkRows];
        }
    }

    /// <summary>Values of one CLR value type, unboxed.</summary>
    private sealed class ValueColumn<T> : Column where T : struct
    {
        private T[][] _chunks = new T[4][];

        public override bool TryAdd(object? value, int row)
        {
            if (value is null)
            {
                Grow(ref _chunks, row);
                SetNull(row);
                return true;
            }
            if (value.GetType() != typeof(T)) return false;
            Grow(ref _chunks, row);
            _chunks[row >> ChunkShift][row & (ChunkRows - 1)] = (T)value;
            return true;
        }

        public override object? ValueAt(int row) => IsNull(row) ? null : _chunks[row >> ChunkShift][row & (ChunkRows - 1)];

        /// <summary>Converts every value into <paramref name="values"/> (default for NULL) and returns the NULL flags.</summary>
        public void Read<TResult>(TResult[] values, Func<T, TResult> convert, out bool[]? nulls)
        {
            nulls = null;
            for (int row = 0; row < values.Length; row++)
            {
                if (IsNull(row))
                {
                    (nulls ??= new bool[values.Length])[row] = true;
                    values[row] = default!;
                }
                else
                {
                    values[row] = convert(_chunks[row >> ChunkShift][row & (ChunkRows - 1)]);
                }
            }
        }
    }

    /// <summary>Values by reference: strings, numerics, arrays, and the values of a column of mixed CLR types.</summary>
    private sealed class ReferenceColumn : Column
    {
        private object?[][] _chunks = new object?[4][];

        /// <summary>The first <paramref name="count"/> values of another column, boxed.</summary>
        public static ReferenceColumn From(Column column, int count)
        {
            var references = new ReferenceColumn();
            for (int row = 0; row < count; row++) references.TryAdd(column.ValueAt(row), row);
            return references;
        }

        public override bool TryAdd(object? value, int row)
        {
            Grow(ref _chunks, row);
            _chunks[row >> ChunkShift][row & (ChunkRows - 1)] = value;
            return true;
        }

        public override object? ValueAt(int row) => _chunks[row >> ChunkShift][row & (ChunkRows - 1)];

        public override bool IsNull(int row) => ValueAt(row) is null;
    }
}
