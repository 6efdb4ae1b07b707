namespace Log.QueryNode.Sql;

/// <summary>The outcome of one statement: its rows (if it returns any) and its command tag.</summary>
public sealed class StatementResult
{
    private static readonly IReadOnlyList<object?[]> NoRows = [];

    public StatementResult(IReadOnlyList<ResultColumn>? columns, IReadOnlyList<object?[]>? rows, string commandTag)
    {
        Columns = columns;
        Rows = rows ?? NoRows;
        CommandTag = commandTag;
    }

    /// <summary>A SELECT's rows produced as the consumer reads them: the statement's work happens during the reading,
    /// so its errors surface there too, after the rows before them. Its command tag is "SELECT" and the number of rows
    /// read. The stream belongs to the transaction it ran in and must be read (or disposed) before that ends.</summary>
    public StatementResult(IReadOnlyList<ResultColumn> columns, IAsyncEnumerable<object?[]> rowStream)
    {
        Columns = columns;
        Rows = NoRows;
        RowStream = rowStream;
        CommandTag = "SELECT";
    }

    public IAsyncEnumerable<object?[]>? RowStream { get; }

    /// <summary>Whether the rows go out in binary over the simple query protocol (a FETCH from a BINARY cursor); the
    /// extended protocol's Bind decides the format there, as PostgreSQL's does.</summary>
    public bool BinaryRows { get; init; }

    /// <summary>The row description, or null for commands that return no rows (INSERT/UPDATE/DELETE without RETURNING, DDL).</summary>
    public IReadOnlyList<ResultColumn>? Columns { get; }

    /// <summary>Rows of CLR values (short, int, long, double, decimal, string, bool, null), one per column.</summary>
    public IReadOnlyList<object?[]> Rows { get; }

    /// <summary>"SELECT 3", "INSERT 0 2", "UPDATE 1", "DELETE 0", "CREATE TABLE", "DROP TABLE".</summary>
    public string CommandTag { get; }

    /// <summary>Messages PostgreSQL would send as NOTICE (e.g. for CREATE TABLE IF NOT EXISTS on an existing table).</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];

    /// <summary>Indexes this statement created in the building state: once its transaction commits, the session builds
    /// each with <see cref="SqlEngine.BuildIndexAsync"/> (a plain CREATE INDEX is its build, awaited).</summary>
    public IReadOnlyList<IndexBuildRequest> IndexBuilds { get; init; } = [];
}
