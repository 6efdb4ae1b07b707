using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The memory one statement holds in sorts and hash tables (SortOperator, HashJoinOperator, AggregateOperator,
/// DistinctOperator, SetOperationOperator ...), against a limit: past it the statement fails with 53200 "out of memory"
/// instead of taking the query node's memory, as DSQL bounds a query (128 MiB by default,
/// <see cref="SqlLimits.QueryMemoryBytesDefault"/>). Sizes are estimates of the managed objects a row holds, cheap
/// enough to take for every row. One per statement execution; operators of a statement run one at a time, so it needs
/// no lock. An operator reserves as it keeps rows and releases what it reserved when it is done with them.
/// </summary>
internal sealed class QueryMemory(long bytesMax)
{
    /// <summary>An object's header and method table pointer.</summary>
    private const int ObjectHeaderBytes = 16;

    /// <summary>An array's header, method table pointer and length.</summary>
    private const int ArrayHeaderBytes = 24;

    /// <summary>What a hash table spends per entry beside the row (bucket, entry, hash, next), and a list per slot.</summary>
    public const int HashEntryBytes = 48;

    private long _bytesInUse;

    public long BytesMax { get; } = bytesMax;

    public long BytesInUse => _bytesInUse;

    /// <summary>Counts <paramref name="bytes"/> more, or fails with 53200 when that passes the limit (the statement
    /// ends; nothing is kept).</summary>
    public void Reserve(long bytes, string operatorName)
    {
        _bytesInUse += bytes;
        if (_bytesInUse > BytesMax)
        {
            throw new SqlException(EngineSqlState.OutOfMemory, "out of memory",
                detail: $"The query needs more than the {BytesMax} bytes of memory a query may use for sorts and hash tables (in {operatorName}).",
                hint: "Filter or aggregate the rows sooner, or return fewer rows from the sort, hash or aggregate.");
        }
    }

    public void Release(long bytes) => _bytesInUse = Math.Max(0, _bytesInUse - bytes);

    /// <summary>The estimated bytes a row array and its values hold.</summary>
    public static long SizeOf(object?[] row)
    {
        long bytes = ArrayHeaderBytes + (long)IntPtr.Size * row.Length;
        foreach (object? value in row)
        {
            if (value is not null) bytes += SizeOfValue(value);
        }
        return bytes;
    }

    /// <summary>The estimated bytes a value holds beyond the reference to it.</summary>
    public static long SizeOfValue(object value) => value switch
    {
        string text => ArrayHeaderBytes + 2L * text.Length,
        byte[] bytes => ArrayHeaderBytes + bytes.Length,
        object?[] nested => SizeOf(nested),
        Array array => ArrayHeaderBytes + (long)IntPtr.Size * array.Length,
        Log.Wire.Types.PgNumeric numeric => ObjectHeaderBytes + 32 + (numeric.Unscaled.GetByteCount() > 8 ? ArrayHeaderBytes + numeric.Unscaled.GetByteCount() : 0),
        _ => ObjectHeaderBytes + 8,
    };
}
