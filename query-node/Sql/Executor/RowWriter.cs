using System.Buffers;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The one write path of a table: INSERT, UPDATE, DELETE, COPY and ON CONFLICT write rows only through here, and it
/// writes the row and every index entry together and checks NOT NULL, CHECK and uniqueness (primary key and unique
/// indexes), so no executor writes storage keys itself. A unique index entry's key holds only the key columns
/// (see <see cref="IndexDescriptor"/>), so a duplicate is either visible here (23505) or, when two transactions race,
/// the same key in both write sets, which the adjudicator refuses to the second (40001). A DEFERRABLE unique index is
/// the exception: its entries keep the row key, so that rows may pass through equal values, and each value written is
/// checked later (<see cref="DeferredUniqueChecks"/>).
/// </summary>
internal sealed class RowWriter
{
    private readonly TableDescriptor _table;
    private readonly StatementWrites _writes;
    private readonly WriteSchema _schema;

    public RowWriter(TableDescriptor table, StatementWrites writes)
    {
        _table = table;
        _writes = writes;
        _schema = WriteSchema.For(table);
    }

    /// <summary>A unique index entry that is already taken: which index, and the values that collided.</summary>
    public readonly record struct UniqueConflict(WriteIndex Index, object?[] KeyValues);

    public bool HasIndexes => _schema.Indexes.Length > 0 || _schema.Rewrite is { NewIndexes.Length: > 0 };

    /// <summary>The row's key: its primary key columns, or a fresh hidden row id.</summary>
    public byte[] KeyOf(object?[] values) => RowSource.KeyOf(_writes.Store, _table, values);

    /// <summary>Computes the stored generated columns into <paramref name="values"/> (every write of a row passes here
    /// first, so RETURNING and the indexes see them), then checks NOT NULL, then the CHECK constraints in name order
    /// (PostgreSQL's order); a CHECK that is NULL passes.</summary>
    public void CheckRow(object?[] values)
    {
        // Generated columns read only ordinary columns (the binder refuses others), so the order of computing them does not matter.
        foreach ((int ordinal, BoundExpression expression) in _schema.Generated) values[ordinal] = ExpressionEvaluator.Evaluate(expression, values, _writes.Expressions);
        ConstraintChecks.CheckNotNull(_table, values, _writes.Statement.DateTimeSettings);
        foreach ((CheckConstraint check, BoundExpression expression) in _schema.Checks)
        {
            if (ExpressionEvaluator.Evaluate(expression, values, _writes.Expressions) is false)
            {
                throw new SqlException(SqlState.CheckViolation,
                    $"new row for relation \"{RelationNames.NameOf(_table.Name)}\" violates check constraint \"{check.Name}\"",
                    detail: ConstraintChecks.FailingRow(values, _writes.Statement.DateTimeSettings));
            }
        }
        if (_schema.Rewrite is { } rewrite)
        {
            // The row must also be valid as the table will be once its rewrite to new column types is done.
            object?[] final = rewrite.FinalRow(values, _writes.Expressions);
            (_lastValues, _lastFinalRow) = (values, final);
            ConstraintChecks.CheckNotNull(rewrite.Final, final, _writes.Statement.DateTimeSettings);
            foreach ((CheckConstraint check, BoundExpression expression) in rewrite.FinalSchema.Checks)
            {
                if (ExpressionEvaluator.Evaluate(expression, final, _writes.Expressions) is false)
                {
                    throw new SqlException(SqlState.CheckViolation,
                        $"new row for relation \"{RelationNames.NameOf(_table.Name)}\" violates check constraint \"{check.Name}\"",
                        detail: ConstraintChecks.FailingRow(final, _writes.Statement.DateTimeSettings));
                }
            }
        }
    }

    private object?[]? _lastValues;
    private object?[]? _lastFinalRow;

    /// <summary>The row as the rewritten table holds it: the one <see cref="CheckRow"/> computed for these values, once
    /// (so a volatile USING expression gives the check and the write the same value), else computed now.</summary>
    private object?[] TakeFinalRow(RewriteSchema rewrite, object?[] values)
    {
        object?[] final = ReferenceEquals(values, _lastValues) ? _lastFinalRow! : rewrite.FinalRow(values, _writes.Expressions);
        (_lastValues, _lastFinalRow) = (null, null);
        return final;
    }

    /// <summary>Writes a new row (already checked with <see cref="CheckRow"/>) and its index entries; 23505 when its
    /// primary key (if <paramref name="checkKey"/>) or a unique index entry is taken.</summary>
    public async ValueTask InsertAsync(byte[] key, object?[] values, bool checkKey, CancellationToken cancellationToken)
    {
        await _writes.Store.BeforeWriteAsync(key, cancellationToken);
        if (checkKey) await ConstraintChecks.CheckKeyIsFreeAsync(_writes, _table, key, values, cancellationToken);
        if (await TryInsertAsync(key, values, cancellationToken) is { } conflict)
        {
            throw ConstraintChecks.DuplicateKey(conflict.Index.Descriptor.Name, conflict.Index.KeyNames, conflict.KeyValues, _writes.Statement.DateTimeSettings);
        }
    }

    /// <summary>Writes a new row and its index entries unless a unique index entry is taken, which is returned and
    /// nothing is written (ON CONFLICT DO NOTHING skips such a row). The primary key is the caller's to check.</summary>
    public async ValueTask<UniqueConflict?> TryInsertAsync(byte[] key, object?[] values, CancellationToken cancellationToken)
    {
        var entries = new List<(byte[] Key, byte[] Value)>(_schema.Indexes.Length);
        if (await AddEntriesAsync(entries, _table, _schema.Indexes, key, values, cancellationToken) is { } conflict) return conflict;
        RewriteSchema? rewrite = _schema.Rewrite;
        object?[]? final = rewrite is null ? null : TakeFinalRow(rewrite, values);
        if (rewrite is not null && await AddEntriesAsync(entries, rewrite.Final, rewrite.NewIndexes, key, final!, cancellationToken) is { } newConflict)
        {
            return newConflict;
        }
        foreach ((byte[] entryKey, byte[] entryValue) in entries) _writes.Put(entryKey, entryValue);
        _writes.Put(key, rewrite is null ? RowEncoder.Encode(_table, values) : RowEncoder.Encode(rewrite.Stored, rewrite.StoredRow(values, final!)));
        foreach (WriteIndex index in _schema.DeferrableUniqueIndexes)
        {
            if (index.Covers(values)) await DeferredUniqueChecks.QueueAsync(_table, index, index.KeyValues(values), _writes, cancellationToken);
        }
        return null;
    }

    /// <summary>Adds the row's entries in these indexes to <paramref name="entries"/>, or returns the first unique
    /// entry that is taken.</summary>
    private async ValueTask<UniqueConflict?> AddEntriesAsync(List<(byte[] Key, byte[] Value)> entries, TableDescriptor table, WriteIndex[] indexes,
        byte[] key, object?[] values, CancellationToken cancellationToken)
    {
        foreach (WriteIndex index in indexes)
        {
            if (!index.Covers(values)) continue;
            object?[] keyValues = index.KeyValues(values);
            byte[] entryKey = EntryKey(index, key, keyValues, out bool distinct);
            if (distinct && await _writes.GetAsync(entryKey, cancellationToken) is not null) return new UniqueConflict(index, keyValues);
            entries.Add((entryKey, EntryValue(table, index, key, values)));
        }
        return null;
    }

    /// <summary>Deletes a row and its index entries; <paramref name="values"/> are the row as stored.</summary>
    public void Delete(byte[] key, object?[] values)
    {
        DeleteIndexEntries(key, values);
        _writes.Delete(key);
    }

    /// <summary>Deletes a row's index entries (the first half of an update, which writes them anew).</summary>
    public void DeleteIndexEntries(byte[] key, object?[] values)
    {
        foreach (WriteIndex index in _schema.Indexes)
        {
            if (index.Covers(values)) _writes.Delete(EntryKey(index, key, index.KeyValues(values), out _));
        }
        if (_schema.Rewrite is not { } rewrite || rewrite.NewIndexes.Length == 0) return;
        object?[] final;
        try
        {
            final = rewrite.FinalRow(values, _writes.Expressions);
        }
        catch (SqlException)
        {
            return; // a value that does not convert has no entry in the new indexes (the rewrite fails on it unless it goes)
        }
        foreach (WriteIndex index in rewrite.NewIndexes)
        {
            if (index.Covers(final)) _writes.Delete(EntryKey(index, key, index.KeyValues(final), out _));
        }
    }

    /// <summary>The stored rows at these keys (as this statement sees them), for an update that must delete their
    /// old index entries (or compare old and new foreign key values: <paramref name="always"/>); null when the table
    /// has no index and nothing else needs them, so nothing is read.</summary>
    public async ValueTask<object?[]?[]?> ReadOldRowsAsync(IReadOnlyList<byte[]> keys, bool always, CancellationToken cancellationToken)
    {
        if (!HasIndexes && !always) return null;
        var rows = new object?[]?[keys.Count];
        for (int position = 0; position < keys.Count; position++)
        {
            byte[]? bytes = await _writes.GetAsync(keys[position], cancellationToken);
            rows[position] = bytes is null ? null : RowEncoder.Decode(_table, bytes);
        }
        return rows;
    }

    /// <summary>(table, index, key columns [, row key]): the row key is left out only for a unique index whose key
    /// columns hold no NULL (or NULLS NOT DISTINCT), which is when two equal keys are a duplicate
    /// (<paramref name="distinct"/>), and which is not deferrable (its duplicates are found by a scan, later).</summary>
    public static byte[] EntryKey(WriteIndex index, byte[] rowKey, object?[] keyValues, out bool distinct)
    {
        KeyEncoder encoder = EntryPrefix(index, TableIdOf(rowKey), keyValues, rowKey.Length, out bool unique);
        distinct = unique && index.Descriptor.HasOneEntryPerKey;
        if (!distinct) encoder.WriteRaw(rowKey);
        return encoder.ToArray();
    }

    /// <summary>(table, index, key columns): the start of the keys of every entry with these key values, and whether
    /// two such entries are duplicates (<paramref name="unique"/>: a unique index, and no NULL or NULLS NOT DISTINCT).</summary>
    public static KeyEncoder EntryPrefix(WriteIndex index, long tableId, object?[] keyValues, int extraCapacity, out bool unique)
    {
        IndexDescriptor descriptor = index.Descriptor;
        KeyEncoder encoder = CatalogKeys.IndexPrefix(tableId, descriptor.Id, 64 + extraCapacity);
        int prefixLength = encoder.Length;
        bool hasNull = false;
        for (int position = 0; position < keyValues.Length; position++)
        {
            IndexKeyColumn column = descriptor.KeyColumns[position];
            hasNull |= keyValues[position] is null;
            encoder.WriteIndexValue(keyValues[position], column.Descending, column.NullsFirst);
        }
        int keyBytes = encoder.Length - prefixLength;
        if (keyBytes > SqlLimits.IndexKeyBytesMax)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded,
                $"index row size {keyBytes} exceeds maximum {SqlLimits.IndexKeyBytesMax} for index \"{RelationNames.NameOf(descriptor.Name)}\"");
        }
        unique = descriptor.IsUnique && (!hasNull || descriptor.NullsNotDistinct);
        return encoder;
    }

    /// <summary>An entry's value: [row key, the INCLUDE columns as a row value].</summary>
    private static byte[] EntryValue(TableDescriptor table, WriteIndex index, byte[] rowKey, object?[] values)
    {
        byte[] included = [];
        if (index.IncludeOrdinals.Length > 0)
        {
            var covered = new object?[values.Length];
            foreach (int ordinal in index.IncludeOrdinals) covered[ordinal] = values[ordinal];
            included = RowEncoder.Encode(table, covered);
        }
        var buffer = new ArrayBufferWriter<byte>(rowKey.Length + included.Length + 8);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write(rowKey);
        writer.Write(included);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The row key an index entry points at.</summary>
    public static byte[] RowKeyOfEntry(byte[] entryValue)
    {
        var reader = new MessagePackReader(entryValue);
        reader.ReadArrayHeader();
        return reader.ReadBytes()!.Value.ToArray();
    }

    /// <summary>Row keys start with the table id (the first element, 9 bytes): decode it rather than carry it.</summary>
    private static long TableIdOf(byte[] rowKey) =>
        (long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(rowKey.AsSpan(1, 8)) ^ 0x8000_0000_0000_0000UL);

    /// <summary>Writes the entry of one row into an index being built, unless a writer (or an earlier batch) already
    /// wrote it; returns CREATE UNIQUE INDEX's 23505 when another row holds the same unique key.</summary>
    public static async ValueTask<SqlException?> AddBuildEntryAsync(TableDescriptor table, WriteIndex index, StatementWrites writes, byte[] rowKey,
        object?[] values, CancellationToken cancellationToken)
    {
        if (!index.Covers(values)) return null;
        object?[] keyValues = index.KeyValues(values);
        byte[] entryKey = EntryKey(index, rowKey, keyValues, out bool distinct);
        bool duplicate = distinct
            ? await writes.GetAsync(entryKey, cancellationToken) is { } existing && !RowKeyOfEntry(existing).AsSpan().SequenceEqual(rowKey)
            : index.Descriptor.IsUnique && index.Descriptor.Deferral.IsDeferrable()
                && await DeferredUniqueChecks.HasOtherEntryAsync(index, TableIdOf(rowKey), keyValues, rowKey, writes.Store, cancellationToken);
        if (duplicate)
        {
            return new SqlException(SqlState.UniqueViolation, $"could not create unique index \"{index.Descriptor.Name}\"",
                detail: $"Key ({string.Join(", ", index.KeyNames)})=({ConstraintChecks.FormatValues(keyValues, writes.Statement.DateTimeSettings)}) is duplicated.");
        }
        writes.Put(entryKey, EntryValue(table, index, rowKey, values));
        return null;
    }
}
