using System.Collections.Concurrent;
using Log.Journal.Records;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// FOREIGN KEY enforcement at the end of each INSERT, UPDATE and DELETE (PostgreSQL's RI triggers fire there too, so a
/// statement may insert a parent and its child in either order): a new or changed referencing row needs its referenced
/// row (23503), and a deleted referenced row, or one whose key changed, needs no referencing rows left
/// (NO ACTION, RESTRICT: 23503) or acts on them (CASCADE, SET NULL, SET DEFAULT).
///
/// Why it is safe under optimistic concurrency, where nothing is locked and the adjudicator compares single keys:
/// a transaction that inserts a child adds the parent row's key to its conflict check (SELECT ... FOR KEY SHARE), so
/// it fails if the parent was deleted or re-keyed by a transaction that committed first. The other order, the child's
/// transaction committing first, cannot be seen by the parent's delete through the child's index: the child's index
/// entry is a key the deleter never read. So the child also writes the parent's reference lock key (a tombstone under
/// the referenced table, index id <see cref="ReferenceLockIndexId"/>, followed by the referenced key), and a delete or
/// key update of the parent adds that lock key to its conflict check. Either way one of the two gets 40001. The price:
/// two transactions inserting children of the same parent at the same time conflict too, and each distinct parent a
/// transaction references counts once against its modified-key limit.
///
/// A DEFERRABLE constraint that is deferred (INITIALLY DEFERRED, or SET CONSTRAINTS ... DEFERRED) queues its checks in
/// the transaction's <see cref="DeferredConstraints"/> instead, once per referenced key, and they run at COMMIT (or at
/// SET CONSTRAINTS ... IMMEDIATE) against the transaction as it is then, as PostgreSQL's RI triggers do: a child whose
/// parent is still missing, or a deleted parent whose key still has children, fails the commit with the same 23503.
/// A deferred check that passes takes the same conflict check and reference lock as an immediate one. Actions (CASCADE,
/// SET NULL, SET DEFAULT) and RESTRICT run at the end of the statement whatever the constraint's mode, as in PostgreSQL.
/// </summary>
internal static class ForeignKeyChecks
{
    /// <summary>No index has id 0 (the primary index is 1, secondaries start at 2): reference locks live there.</summary>
    public const int ReferenceLockIndexId = 0;

    private static readonly ConcurrentDictionary<string, (byte[] Bytes, TableDescriptor Descriptor)> Descriptors = new(StringComparer.Ordinal);

    /// <summary>Checks the referencing rows a statement wrote into <paramref name="table"/>; a row whose referencing
    /// columns did not change (<paramref name="oldRows"/>, for UPDATE) is not checked again.</summary>
    public static async ValueTask CheckReferencesAsync(TableDescriptor table, IReadOnlyList<object?[]> rows, IReadOnlyList<object?[]?>? oldRows,
        StatementWrites writes, CancellationToken cancellationToken)
    {
        foreach (ForeignKeyConstraint foreignKey in table.ForeignKeys)
        {
            TableDescriptor referenced = await ReferencedTableAsync(table, foreignKey, writes.Store, cancellationToken);
            var reference = new Reference(table, foreignKey, referenced);
            DeferredConstraints? deferred = IsDeferred(writes.Store, table, foreignKey) ? writes.Store.DeferredConstraints : null;
            var checkedKeys = new HashSet<byte[]>(KeyComparer.Instance);
            for (int position = 0; position < rows.Count; position++)
            {
                object?[] row = rows[position];
                if (reference.HasNull(row)) continue;
                if (oldRows?[position] is { } oldRow && reference.SameValues(row, oldRow)) continue;
                byte[] referencedKey = reference.ReferencedKeyOf(row);
                if (!checkedKeys.Add(referencedKey)) continue;
                if (deferred is not null)
                {
                    deferred.Add(PendingIdentity("reference", table, foreignKey, referencedKey), new PendingReference(table.Name, foreignKey, referencedKey, row));
                    continue;
                }
                if (await writes.GetAsync(referencedKey, cancellationToken) is null) throw MissingReference(reference, row, writes.Statement.DateTimeSettings);
                LockReferencedRow(referenced, referencedKey, writes);
            }
        }
    }

    /// <summary>A referencing row's check passed: the referenced row must not go away before this commits.</summary>
    private static void LockReferencedRow(TableDescriptor referenced, byte[] referencedKey, StatementWrites writes)
    {
        writes.Store.AddConflictCheck(referencedKey, isSchema: false);
        writes.Delete(LockKey(referenced, referencedKey));
    }

    private static bool IsDeferred(ITransactionStore store, TableDescriptor table, ForeignKeyConstraint foreignKey) =>
        store.DeferredConstraints is { } deferred
        && deferred.IsDeferred(table.Name, foreignKey.Name, foreignKey.Deferral.IsDeferrable(), foreignKey.Deferral == ConstraintDeferral.InitiallyDeferred);

    private static string PendingIdentity(string kind, TableDescriptor table, ForeignKeyConstraint foreignKey, byte[] referencedKey) =>
        $"{kind}\0{table.Name}\0{foreignKey.Name}\0{Convert.ToHexString(referencedKey)}";

    /// <summary>ALTER TABLE ... ADD FOREIGN KEY and VALIDATE CONSTRAINT: checks rows already in <paramref name="table"/>
    /// (23503 for the first whose referenced row is missing). Nothing is locked: the statement rewrote both tables'
    /// descriptors, so a transaction that changed either meanwhile fails at commit (OC001).</summary>
    public static async ValueTask CheckExistingRowsAsync(TableDescriptor table, ForeignKeyConstraint foreignKey, IEnumerable<object?[]> rows,
        ITransactionStore store, CancellationToken cancellationToken)
    {
        TableDescriptor referenced = await ReferencedTableAsync(table, foreignKey, store, cancellationToken);
        var reference = new Reference(table, foreignKey, referenced);
        var checkedKeys = new HashSet<byte[]>(KeyComparer.Instance);
        foreach (object?[] row in rows)
        {
            if (reference.HasNull(row)) continue;
            byte[] referencedKey = reference.ReferencedKeyOf(row);
            if (!checkedKeys.Add(referencedKey)) continue;
            if (await store.GetAsync(referencedKey, cancellationToken) is null) throw MissingReference(reference, row, DateTimeSettings.Default);
        }
    }

    private static SqlException MissingReference(Reference reference, object?[] row, DateTimeSettings settings) =>
        new(SqlState.ForeignKeyViolation,
            $"insert or update on table \"{reference.Table.Name}\" violates foreign key constraint \"{reference.Name}\"",
            detail: $"Key ({string.Join(", ", reference.ColumnNames)})=({ConstraintChecks.FormatValues(reference.ValuesOf(row), settings)}) is not present in table \"{reference.ReferencedName}\".");

    /// <summary>After rows of <paramref name="table"/> were deleted (<paramref name="newRows"/> null) or updated:
    /// the referencing rows of every old key that is gone are checked or acted on, per constraint.</summary>
    public static async ValueTask OnReferencedRowsChangedAsync(TableDescriptor table, IReadOnlyList<object?[]> oldRows, IReadOnlyList<object?[]>? newRows,
        StatementWrites writes, CancellationToken cancellationToken)
    {
        foreach (string referencingName in table.ReferencedBy)
        {
            TableDescriptor referencing = referencingName == table.Name ? table : await ReadTableAsync(referencingName, writes.Store, cancellationToken);
            foreach (ForeignKeyConstraint foreignKey in referencing.ForeignKeys)
            {
                if (foreignKey.ReferencedTable != table.Name) continue;
                var reference = new Reference(referencing, foreignKey, table);
                for (int position = 0; position < oldRows.Count; position++)
                {
                    object?[] oldRow = oldRows[position];
                    object?[]? newRow = newRows?[position];
                    if (reference.ReferencedHasNull(oldRow)) continue;
                    if (newRow is not null && reference.SameReferencedValues(oldRow, newRow)) continue;
                    byte[] referencedKey = reference.ReferencedKeyOfReferencedRow(oldRow);
                    writes.Store.AddConflictCheck(LockKey(table, referencedKey), isSchema: false);
                    ForeignKeyAction action = newRow is null ? foreignKey.OnDelete : foreignKey.OnUpdate;
                    if (action == ForeignKeyAction.NoAction && IsDeferred(writes.Store, referencing, foreignKey))
                    {
                        writes.Store.DeferredConstraints!.Add(PendingIdentity("referenced", referencing, foreignKey, referencedKey),
                            new PendingReferencedRow(referencing.Name, foreignKey, oldRow, referencedKey));
                        continue;
                    }
                    // NO ACTION looks at the end of the statement: a key that another row took again orphans nothing.
                    if (action == ForeignKeyAction.NoAction && await writes.GetAsync(referencedKey, cancellationToken) is not null) continue;
                    bool stopAtFirst = action is ForeignKeyAction.NoAction or ForeignKeyAction.Restrict;
                    List<(byte[] Key, object?[] Row)> children = await reference.FindReferencingRowsAsync(oldRow, referencedKey, writes, stopAtFirst, cancellationToken);
                    if (children.Count == 0) continue;
                    if (stopAtFirst) throw StillReferenced(reference, oldRow, writes.Statement.DateTimeSettings);
                    await ActAsync(reference, action, children, newRow, writes, cancellationToken);
                }
            }
        }
    }

    private static SqlException StillReferenced(Reference reference, object?[] oldReferencedRow, DateTimeSettings settings) =>
        new(SqlState.ForeignKeyViolation,
            $"update or delete on table \"{reference.ReferencedName}\" violates foreign key constraint \"{reference.Name}\" on table \"{reference.Table.Name}\"",
            detail: $"Key ({string.Join(", ", reference.ReferencedColumnNames)})=({ConstraintChecks.FormatValues(reference.ReferencedValuesOf(oldReferencedRow), settings)}) is still referenced from table \"{reference.Table.Name}\".");

    /// <summary>A deferred constraint's table and the constraint as they are when its check runs; null when either
    /// was dropped since (nothing is left to check).</summary>
    private static async ValueTask<Reference?> PendingReferenceAsync(string tableName, string constraintName, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        if (await store.GetAsync(CatalogKeys.DescriptorByName(tableName), cancellationToken) is null) return null;
        TableDescriptor table = await ReadTableAsync(tableName, store, cancellationToken);
        if (table.ForeignKeys.FirstOrDefault(foreignKey => foreignKey.Name == constraintName) is not { } foreignKey) return null;
        return new Reference(table, foreignKey, await ReferencedTableAsync(table, foreignKey, store, cancellationToken));
    }

    /// <summary>A referencing row written while its constraint was deferred: at COMMIT its referenced row must exist,
    /// unless no row of the table references that key any more (the row was deleted or changed since).</summary>
    private sealed class PendingReference(string tableName, ForeignKeyConstraint foreignKey, byte[] referencedKey, object?[] row) : IDeferredConstraintCheck
    {
        public string TableName => tableName;

        public string ConstraintName => foreignKey.Name;

        public bool InitiallyDeferred => foreignKey.Deferral == ConstraintDeferral.InitiallyDeferred;

        public async ValueTask CheckAsync(ITransactionStore store, CancellationToken cancellationToken)
        {
            if (await PendingReferenceAsync(tableName, foreignKey.Name, store, cancellationToken) is not { } reference) return;
            var writes = new StatementWrites(store, deferred: false, new StatementContext(cancellationToken));
            if (await store.GetAsync(referencedKey, cancellationToken) is not null)
            {
                LockReferencedRow(reference.Referenced, referencedKey, writes);
                return;
            }
            List<(byte[] Key, object?[] Row)> children = await reference.FindReferencingRowsAsync(reference.ReferencedRowOf(row), referencedKey, writes,
                stopAtFirst: true, cancellationToken);
            if (children.Count > 0) throw MissingReference(reference, children[0].Row, DateTimeSettings.Default);
        }
    }

    /// <summary>A referenced row deleted (or re-keyed) while a NO ACTION constraint was deferred: at COMMIT no row may
    /// still reference its old key, unless a row with that key exists again.</summary>
    private sealed class PendingReferencedRow(string referencingName, ForeignKeyConstraint foreignKey, object?[] oldRow, byte[] referencedKey)
        : IDeferredConstraintCheck
    {
        public string TableName => referencingName;

        public string ConstraintName => foreignKey.Name;

        public bool InitiallyDeferred => foreignKey.Deferral == ConstraintDeferral.InitiallyDeferred;

        public async ValueTask CheckAsync(ITransactionStore store, CancellationToken cancellationToken)
        {
            if (await PendingReferenceAsync(referencingName, foreignKey.Name, store, cancellationToken) is not { } reference) return;
            if (await store.GetAsync(referencedKey, cancellationToken) is not null) return;
            List<(byte[] Key, object?[] Row)> children = await reference.FindReferencingRowsAsync(oldRow, referencedKey, new StatementWrites(store, deferred: false, new StatementContext(cancellationToken)),
                stopAtFirst: true, cancellationToken);
            if (children.Count > 0) throw StillReferenced(reference, oldRow, DateTimeSettings.Default);
        }
    }

    /// <summary>CASCADE deletes the referencing rows (or gives them the new key), SET NULL and SET DEFAULT change their
    /// referencing columns; every change goes through the row writer and the same checks as a statement's own.</summary>
    private static async ValueTask ActAsync(Reference reference, ForeignKeyAction action, List<(byte[] Key, object?[] Row)> children, object?[]? newReferencedRow,
        StatementWrites writes, CancellationToken cancellationToken)
    {
        TableDescriptor table = reference.Table;
        var writer = new RowWriter(table, writes);
        var oldRows = children.Select(child => child.Row).ToList();
        if (action == ForeignKeyAction.Cascade && newReferencedRow is null)
        {
            foreach ((byte[] key, object?[] row) in children) writer.Delete(key, row);
            await OnReferencedRowsChangedAsync(table, oldRows, null, writes, cancellationToken);
            return;
        }
        var newRows = new List<object?[]>(children.Count);
        foreach ((byte[] key, object?[] row) in children)
        {
            cancellationToken.ThrowIfCancellationRequested();
            object?[] updated = (object?[])row.Clone();
            for (int position = 0; position < reference.Ordinals.Length; position++)
            {
                int ordinal = reference.Ordinals[position];
                updated[ordinal] = action switch
                {
                    ForeignKeyAction.Cascade => reference.ToReferencingType(position, newReferencedRow![reference.ReferencedOrdinals[position]]),
                    ForeignKeyAction.SetDefault => DefaultOf(table, ordinal, writes),
                    _ => null,
                };
            }
            writer.CheckRow(updated);
            byte[] newKey = table.HasHiddenRowId ? key : writer.KeyOf(updated);
            bool moved = !newKey.AsSpan().SequenceEqual(key);
            writer.DeleteIndexEntries(key, row);
            if (moved) writes.Delete(key);
            await writer.InsertAsync(newKey, updated, checkKey: moved, cancellationToken);
            newRows.Add(updated);
        }
        if (action == ForeignKeyAction.SetDefault) await CheckReferencesAsync(table, newRows, oldRows, writes, cancellationToken);
        await OnReferencedRowsChangedAsync(table, oldRows, newRows, writes, cancellationToken);
    }

    private static object? DefaultOf(TableDescriptor table, int ordinal, StatementWrites writes)
    {
        ColumnDescriptor column = table.Columns[ordinal];
        if (column.DefaultExpression is { } text) return ExpressionEvaluator.Evaluate(WriteSchema.BindExpression(table, text), [], writes.Expressions);
        return column.DefaultValue;
    }

    /// <summary>The reference lock of one referenced row (see the class comment).</summary>
    private static byte[] LockKey(TableDescriptor referenced, byte[] referencedKey)
    {
        KeyEncoder encoder = CatalogKeys.IndexPrefix(referenced.Id, ReferenceLockIndexId, 32 + referencedKey.Length);
        encoder.WriteRaw(referencedKey);
        return encoder.ToArray();
    }

    private static ValueTask<TableDescriptor> ReferencedTableAsync(TableDescriptor table, ForeignKeyConstraint foreignKey, ITransactionStore store,
        CancellationToken cancellationToken) =>
        foreignKey.ReferencedTable == table.Name ? ValueTask.FromResult(table) : ReadTableAsync(foreignKey.ReferencedTable, store, cancellationToken);

    /// <summary>The other table of a constraint, as this transaction sees it, with a schema conflict check: a
    /// concurrent change of its definition fails this transaction (OC001) rather than letting it act on an old one.</summary>
    private static async ValueTask<TableDescriptor> ReadTableAsync(string name, ITransactionStore store, CancellationToken cancellationToken)
    {
        byte[] key = CatalogKeys.DescriptorByName(name);
        byte[] bytes = await store.GetAsync(key, cancellationToken)
            ?? throw new InvalidOperationException($"foreign key names table \"{name}\", which does not exist");
        store.AddConflictCheck(key, isSchema: true);
        if (Descriptors.TryGetValue(name, out var cached) && cached.Bytes.AsSpan().SequenceEqual(bytes)) return cached.Descriptor;
        TableDescriptor descriptor = DescriptorCodec.Decode(bytes);
        Descriptors[name] = (bytes, descriptor);
        return descriptor;
    }

    /// <summary>One constraint bound to both of its tables: column ordinals on each side and the keys it reads.</summary>
    private sealed class Reference
    {
        private readonly ForeignKeyConstraint _foreignKey;
        private readonly TableDescriptor _referenced;
        private readonly WriteIndex? _referencedIndex;

        public Reference(TableDescriptor table, ForeignKeyConstraint foreignKey, TableDescriptor referenced)
        {
            Table = table;
            _foreignKey = foreignKey;
            _referenced = referenced;
            Ordinals = foreignKey.ColumnIds.Select(table.OrdinalOfColumnId).ToArray();
            ReferencedOrdinals = foreignKey.ReferencedColumnIds.Select(referenced.OrdinalOfColumnId).ToArray();
            ColumnNames = Ordinals.Select(ordinal => table.Columns[ordinal].Name).ToArray();
            ReferencedColumnNames = ReferencedOrdinals.Select(ordinal => referenced.Columns[ordinal].Name).ToArray();
            if (foreignKey.ReferencedIndexId != TableDescriptor.PrimaryIndexId)
            {
                _referencedIndex = WriteSchema.For(referenced).Indexes.First(index => index.Descriptor.Id == foreignKey.ReferencedIndexId);
            }
        }

        public TableDescriptor Table { get; }

        public string Name => _foreignKey.Name;

        public string ReferencedName => _referenced.Name;

        public TableDescriptor Referenced => _referenced;

        public int[] Ordinals { get; }

        public int[] ReferencedOrdinals { get; }

        public string[] ColumnNames { get; }

        public string[] ReferencedColumnNames { get; }

        public bool HasNull(object?[] row) => Ordinals.Any(ordinal => row[ordinal] is null);

        public bool ReferencedHasNull(object?[] row) => ReferencedOrdinals.Any(ordinal => row[ordinal] is null);

        public object?[] ValuesOf(object?[] row) => Ordinals.Select(ordinal => row[ordinal]).ToArray();

        public object?[] ReferencedValuesOf(object?[] row) => ReferencedOrdinals.Select(ordinal => row[ordinal]).ToArray();

        public bool SameValues(object?[] row, object?[] other) => Ordinals.All(ordinal => Same(row[ordinal], other[ordinal]));

        public bool SameReferencedValues(object?[] row, object?[] other) => ReferencedOrdinals.All(ordinal => Same(row[ordinal], other[ordinal]));

        private static bool Same(object? left, object? right) =>
            left is null ? right is null : right is not null && ValueComparer.CompareNonNull(left, right) == 0;

        /// <summary>The key the referenced row of a referencing row lives at: its primary key, or its entry in the
        /// referenced unique index.</summary>
        public byte[] ReferencedKeyOf(object?[] row) => ReferencedKeyOfReferencedRow(ReferencedRowOf(row));

        /// <summary>A row of the referenced table holding the referenced values of a referencing row (other columns NULL).</summary>
        public object?[] ReferencedRowOf(object?[] row)
        {
            var referencedRow = new object?[_referenced.Columns.Count];
            for (int position = 0; position < Ordinals.Length; position++)
            {
                int ordinal = Ordinals[position];
                int referencedOrdinal = ReferencedOrdinals[position];
                referencedRow[referencedOrdinal] = Convert(row[ordinal], Table.Columns[ordinal].Type, _referenced.Columns[referencedOrdinal].Type);
            }
            return referencedRow;
        }

        public byte[] ReferencedKeyOfReferencedRow(object?[] referencedRow)
        {
            KeyEncoder primary = CatalogKeys.PrimaryIndexPrefix(_referenced.Id);
            if (_referencedIndex is null)
            {
                foreach (int ordinal in _referenced.PrimaryKeyOrdinals) primary.WriteValue(referencedRow[ordinal]);
                return primary.ToArray();
            }
            // The referenced values hold no NULL, so the unique entry's key is the key columns alone; the row key
            // passed only says which table the entry belongs to.
            return RowWriter.EntryKey(_referencedIndex, primary.ToArray(), _referencedIndex.KeyValues(referencedRow), out _);
        }

        /// <summary>A referenced key value as the referencing column's type. A foreign key's columns are of one type
        /// family (the equality operator between them is immutable), so no TimeZone or DateStyle is read.</summary>
        public object? ToReferencingType(int position, object? value) =>
            ValueCast.Convert(value, _referenced.Columns[ReferencedOrdinals[position]].Type, Table.Columns[Ordinals[position]].Type, ValueCast.Context.Assignment,
                DateTimeSettings.Default);

        /// <summary>Keys encode every integer type alike, so integers pass as they are (a bigint too large for the
        /// referenced int column then simply matches no row); other types of a family are converted.</summary>
        private static object? Convert(object? value, SqlType from, SqlType to) =>
            from.Kind == to.Kind || from.IsInteger && to.IsInteger ? value : ValueCast.Convert(value, from, to, ValueCast.Context.Assignment, DateTimeSettings.Default);

        /// <summary>The rows of the referencing table whose referenced key is <paramref name="referencedKey"/>: through
        /// an index (or the primary key) that starts with the referencing columns when the table has one, else by a
        /// scan of the table.</summary>
        public async ValueTask<List<(byte[] Key, object?[] Row)>> FindReferencingRowsAsync(object?[] referencedRow, byte[] referencedKey, StatementWrites writes,
            bool stopAtFirst, CancellationToken cancellationToken)
        {
            var found = new List<(byte[], object?[])>();
            (byte[] start, byte[] end, bool isSecondary) = RangeOf(referencedRow, referencedKey);
            await foreach (var page in writes.Store.ScanPagesAsync(start, end, cancellationToken))
            {
                foreach (KeyValuePair<byte[], byte[]> entry in page)
                {
                    byte[] rowKey = entry.Key;
                    byte[]? bytes = entry.Value;
                    if (isSecondary)
                    {
                        rowKey = RowWriter.RowKeyOfEntry(entry.Value);
                        bytes = await writes.GetAsync(rowKey, cancellationToken);
                        if (bytes is null) continue;
                    }
                    object?[] row = RowEncoder.Decode(Table, bytes);
                    if (HasNull(row) || !ReferencedKeyOf(row).AsSpan().SequenceEqual(referencedKey)) continue;
                    found.Add((rowKey, row));
                    if (stopAtFirst) return found;
                }
            }
            return found;
        }

        /// <summary>The narrowest range holding the referencing rows of one referenced key.</summary>
        private (byte[] Start, byte[] End, bool IsSecondary) RangeOf(object?[] referencedRow, byte[] referencedKey)
        {
            KeyEncoder table = CatalogKeys.PrimaryIndexPrefix(Table.Id);
            object?[]? values = ReferencingValuesOf(referencedRow, referencedKey);
            if (values is null) return (table.ToArray(), table.ToPrefixEnd(), false);
            if (Table.PrimaryKeyOrdinals.Count >= Ordinals.Length && StartsWithColumns(Table.PrimaryKeyOrdinals))
            {
                for (int position = 0; position < Ordinals.Length; position++) table.WriteValue(values[Table.PrimaryKeyOrdinals[position]]);
                return (table.ToArray(), table.ToPrefixEnd(), false);
            }
            foreach (IndexDescriptor index in Table.Indexes)
            {
                if (index.State != IndexState.Valid || index.IsPartial || index.KeyColumns.Count < Ordinals.Length) continue;
                if (index.KeyColumns.Take(Ordinals.Length).Any(key => key.IsExpression)) continue;
                int[] keyOrdinals = index.KeyColumns.Take(Ordinals.Length).Select(key => Table.OrdinalOfColumnId(key.ColumnId)).ToArray();
                if (!StartsWithColumns(keyOrdinals)) continue;
                KeyEncoder prefix = CatalogKeys.IndexPrefix(Table.Id, index.Id);
                for (int position = 0; position < Ordinals.Length; position++)
                {
                    IndexKeyColumn key = index.KeyColumns[position];
                    prefix.WriteIndexValue(values[keyOrdinals[position]], key.Descending, key.NullsFirst);
                }
                return (prefix.ToArray(), prefix.ToPrefixEnd(), true);
            }
            return (table.ToArray(), table.ToPrefixEnd(), false);
        }

        private bool StartsWithColumns(IReadOnlyList<int> keyOrdinals)
        {
            for (int position = 0; position < Ordinals.Length; position++)
            {
                if (!Ordinals.Contains(keyOrdinals[position])) return false;
            }
            return true;
        }

        /// <summary>The referencing columns' values (as a row of the referencing table) that make
        /// <paramref name="referencedKey"/>, when each referencing column has its referenced column's type (so a
        /// key of one encodes as the other); null when the types differ and only a scan compares them right.</summary>
        private object?[]? ReferencingValuesOf(object?[] referencedRow, byte[] referencedKey)
        {
            for (int position = 0; position < Ordinals.Length; position++)
            {
                SqlType type = Table.Columns[Ordinals[position]].Type;
                SqlType referencedType = _referenced.Columns[ReferencedOrdinals[position]].Type;
                if (type.Kind != referencedType.Kind && !(type.IsInteger && referencedType.IsInteger)) return null;
            }
            var row = new object?[Table.Columns.Count];
            for (int position = 0; position < Ordinals.Length; position++) row[Ordinals[position]] = referencedRow[ReferencedOrdinals[position]];
            return ReferencedKeyOf(row).AsSpan().SequenceEqual(referencedKey) ? row : null;
        }
    }
}
