using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>A column: its id (stable across renames and drops, the key in row values), name, type and constraints.
/// A default is either a constant (DefaultValue) or, for a clock function such as now(), the SQL text evaluated at
/// each insert (DefaultExpression).</summary>
public sealed record ColumnDescriptor(int Id, string Name, SqlType Type, bool NotNull, bool HasDefault, object? DefaultValue, string? DefaultExpression = null)
{
    /// <summary>pg_attribute.attidentity: <see cref="IdentityAlways"/>, <see cref="IdentityByDefault"/>, or null for an
    /// ordinary column. An identity column's default is nextval of the sequence it owns (DefaultExpression).</summary>
    public char? Identity { get; init; }

    /// <summary>PostgreSQL's attmissingval: the value that rows written before ADD COLUMN ... DEFAULT constant read for
    /// this column (they have no entry for it). Rows written since hold the column explicitly, NULL included.</summary>
    public object? MissingValue { get; init; }

    /// <summary>GENERATED ALWAYS AS (expression) STORED: the expression's source text, computed from the row's other
    /// columns by the row writer on every INSERT and UPDATE (pg_attribute.attgenerated 's'); null for other columns.</summary>
    public string? Generated { get; init; }

    public const char GeneratedStored = 's';

    private readonly int? _storageId;

    /// <summary>The key of the column's values in stored rows: its id (its attnum), unless ALTER COLUMN ... TYPE
    /// rewrote it, which stores the converted values under an id of their own (never reused) and keeps the column's id,
    /// so that the indexes, constraints and comments that name the column by id are unchanged.</summary>
    public int StorageId
    {
        get => _storageId ?? Id;
        init => _storageId = value == Id ? null : value;
    }

    public const char IdentityAlways = 'a';
    public const char IdentityByDefault = 'd';
}

/// <summary>
/// A table (pg_class + pg_attribute + its primary key). Version goes up with every schema change; DML validates the
/// descriptor key at commit so that a concurrent DDL fails it (OC001). A table with no declared primary key is keyed
/// by a hidden unique row id.
/// </summary>
public sealed class TableDescriptor
{
    /// <summary>The table's own index: rows live under (table id, PrimaryIndexId, primary key).</summary>
    public const int PrimaryIndexId = 1;

    /// <summary>The id of a table's first secondary index; later ones count up from it, never reused.</summary>
    public const int FirstSecondaryIndexId = 2;

    private readonly Dictionary<string, int> _ordinalByName;
    private readonly int[] _ordinalById;

    public TableDescriptor(long id, string name, int version, int nextColumnId, IReadOnlyList<ColumnDescriptor> columns, IReadOnlyList<int> primaryKeyOrdinals,
        IReadOnlyList<IndexDescriptor>? indexes = null, IReadOnlyList<CheckConstraint>? checks = null, int nextIndexId = FirstSecondaryIndexId,
        IReadOnlyList<ForeignKeyConstraint>? foreignKeys = null, IReadOnlyList<string>? referencedBy = null)
    {
        ForeignKeys = foreignKeys ?? [];
        ReferencedBy = referencedBy ?? [];
        Indexes = indexes ?? [];
        Checks = checks ?? [];
        NextIndexId = nextIndexId;
        Id = id;
        Name = name;
        Version = version;
        NextColumnId = nextColumnId;
        Columns = columns;
        PrimaryKeyOrdinals = primaryKeyOrdinals;
        _ordinalByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int ordinal = 0; ordinal < columns.Count; ordinal++) _ordinalByName.TryAdd(columns[ordinal].Name, ordinal);
        int maximumId = columns.Count == 0 ? 0 : columns.Max(column => column.Id);
        _ordinalById = new int[maximumId + 1];
        Array.Fill(_ordinalById, -1);
        for (int ordinal = 0; ordinal < columns.Count; ordinal++) _ordinalById[columns[ordinal].Id] = ordinal;
        foreach (ColumnDescriptor column in columns) HasMissingValues |= column.MissingValue is not null;
        if (columns.Any(column => column.StorageId != column.Id))
        {
            _ordinalByStorageId = new int[columns.Max(column => column.StorageId) + 1];
            Array.Fill(_ordinalByStorageId, -1);
            for (int ordinal = 0; ordinal < columns.Count; ordinal++) _ordinalByStorageId[columns[ordinal].StorageId] = ordinal;
        }
    }

    /// <summary>Ordinals by <see cref="ColumnDescriptor.StorageId"/> when some column's differs from its id, else null.</summary>
    private readonly int[]? _ordinalByStorageId;

    /// <summary>The ordinal of the column whose values stored rows hold under this id, or -1.</summary>
    public int OrdinalOfStorageId(int storageId) => _ordinalByStorageId is null ? OrdinalOfColumnId(storageId)
        : storageId >= 0 && storageId < _ordinalByStorageId.Length ? _ordinalByStorageId[storageId] : -1;

    /// <summary>Whether some column was added with a constant default that older rows read (see
    /// <see cref="ColumnDescriptor.MissingValue"/>): rows of such a table store NULL explicitly.</summary>
    public bool HasMissingValues { get; }

    public long Id { get; }
    public string Name { get; }
    public int Version { get; }
    public int NextColumnId { get; }
    public IReadOnlyList<ColumnDescriptor> Columns { get; }

    /// <summary>Ordinals of the primary key columns in key order; empty when rows are keyed by a hidden row id.</summary>
    public IReadOnlyList<int> PrimaryKeyOrdinals { get; }

    /// <summary>The secondary indexes, in creation order.</summary>
    public IReadOnlyList<IndexDescriptor> Indexes { get; }

    /// <summary>The CHECK constraints, in name order (the order PostgreSQL checks them in).</summary>
    public IReadOnlyList<CheckConstraint> Checks { get; }

    /// <summary>The id the next secondary index gets.</summary>
    public int NextIndexId { get; }

    /// <summary>The FOREIGN KEY constraints of this table, in name order.</summary>
    public IReadOnlyList<ForeignKeyConstraint> ForeignKeys { get; }

    /// <summary>The tables with a foreign key referencing this one (each once, this table itself included when it
    /// references itself): its deletes and key updates check or act on their rows.</summary>
    public IReadOnlyList<string> ReferencedBy { get; }

    /// <summary>pg_class.relowner: the role owning the table, its indexes and the sequences it owns; 0 for the login
    /// role (which owns everything it creates).</summary>
    public long OwnerOid { get; init; }

    /// <summary>The rewrite of some of its columns to new types that is running (ALTER COLUMN ... TYPE), or null.</summary>
    public TableRewrite? Rewrite { get; init; }

    /// <summary>The same table with other columns, indexes or constraints and the next version: every schema change
    /// goes through here so that nothing of the table is lost on the way.</summary>
    public TableDescriptor WithSchema(string? name = null, int? nextColumnId = null, IReadOnlyList<ColumnDescriptor>? columns = null,
        IReadOnlyList<int>? primaryKeyOrdinals = null, IReadOnlyList<IndexDescriptor>? indexes = null, IReadOnlyList<CheckConstraint>? checks = null,
        int? nextIndexId = null, IReadOnlyList<ForeignKeyConstraint>? foreignKeys = null, IReadOnlyList<string>? referencedBy = null) =>
        new(Id, name ?? Name, Version + 1, nextColumnId ?? NextColumnId, columns ?? Columns, primaryKeyOrdinals ?? PrimaryKeyOrdinals,
            indexes ?? Indexes, (checks ?? Checks).OrderBy(check => check.Name, StringComparer.Ordinal).ToArray(), nextIndexId ?? NextIndexId,
            (foreignKeys ?? ForeignKeys).OrderBy(foreignKey => foreignKey.Name, StringComparer.Ordinal).ToArray(), referencedBy ?? ReferencedBy)
        {
            Rewrite = Rewrite,
            OwnerOid = OwnerOid,
        };

    /// <summary>The same table with a rewrite started (or, null, ended) and the next version.</summary>
    public TableDescriptor WithRewrite(TableRewrite? rewrite) =>
        new(Id, Name, Version + 1, NextColumnId, Columns, PrimaryKeyOrdinals, Indexes, Checks, NextIndexId, ForeignKeys, ReferencedBy)
        {
            Rewrite = rewrite,
            OwnerOid = OwnerOid,
        };

    /// <summary>The same table owned by another role (ALTER TABLE ... OWNER TO), at the next version.</summary>
    public TableDescriptor WithOwner(long ownerOid) =>
        new(Id, Name, Version + 1, NextColumnId, Columns, PrimaryKeyOrdinals, Indexes, Checks, NextIndexId, ForeignKeys, ReferencedBy)
        {
            Rewrite = Rewrite,
            OwnerOid = ownerOid,
        };

    public IndexDescriptor? FindIndex(string indexName) => Indexes.FirstOrDefault(index => index.Name == indexName);

    public bool HasHiddenRowId => PrimaryKeyOrdinals.Count == 0;

    /// <summary>PostgreSQL's default name of the primary key constraint.</summary>
    public string PrimaryKeyConstraintName => Name + "_pkey";

    public int OrdinalOf(string columnName) => _ordinalByName.TryGetValue(columnName, out int ordinal) ? ordinal : -1;

    public int OrdinalOfColumnId(int columnId) => columnId >= 0 && columnId < _ordinalById.Length ? _ordinalById[columnId] : -1;

    public bool IsPrimaryKeyColumn(int ordinal)
    {
        foreach (int keyOrdinal in PrimaryKeyOrdinals) if (keyOrdinal == ordinal) return true;
        return false;
    }
}
