using System.Buffers;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Reads the columns a query needs from a secondary index's entries alone, without fetching the rows (PostgreSQL's
/// index-only scan): an entry's key holds the index's key columns, its value the row key (so the primary key columns)
/// and the INCLUDE columns as a row value (<see cref="RowWriter"/>). Used when every needed column is one of those and
/// each key it is read from decodes exactly (<see cref="KeyDecoder.CanDecode"/>). Safe under MVCC without PostgreSQL's
/// visibility map: an entry is written and deleted in the same transaction as its row, and a scan reads the entries at
/// the transaction's snapshot with its own writes laid over them, so the entries it sees are exactly those of the rows
/// it would see (an index build's backfill writes an entry only in a transaction that conflicts with any writer of it).
/// </summary>
internal sealed class IndexOnlyReader
{
    private enum Source : byte { IndexKey, PrimaryKey, Included }

    private readonly TableDescriptor _table;
    private readonly IndexDescriptor _index;
    private readonly SqlType[] _keyTypes;
    private readonly int[] _keyOrdinals;
    private readonly int _keysRead;
    private readonly int _primaryKeysRead;
    private readonly bool[]? _included;

    private IndexOnlyReader(TableDescriptor table, IndexDescriptor index, SqlType[] keyTypes, int[] keyOrdinals, int keysRead, int primaryKeysRead,
        bool[]? included)
    {
        _table = table;
        _index = index;
        _keyTypes = keyTypes;
        _keyOrdinals = keyOrdinals;
        _keysRead = keysRead;
        _primaryKeysRead = primaryKeysRead;
        _included = included;
    }

    public IndexDescriptor Index => _index;

    /// <summary>A reader of <paramref name="needed"/> (row ordinals) from the entries of <paramref name="index"/>, or null
    /// when some needed column is not in the entries or not decodable from them.</summary>
    public static IndexOnlyReader? TryCreate(TableDescriptor table, WriteIndex index, IReadOnlySet<int> needed)
    {
        var sources = new Dictionary<int, Source>();
        foreach (int ordinal in needed)
        {
            if (ordinal < 0 || ordinal >= table.Columns.Count) return null;
            if (Array.IndexOf(index.KeyOrdinals, ordinal) >= 0 && KeyDecoder.CanDecode(table.Columns[ordinal].Type)) sources[ordinal] = Source.IndexKey;
            else if (table.PrimaryKeyOrdinals.Contains(ordinal) && KeyDecoder.CanDecode(table.Columns[ordinal].Type)) sources[ordinal] = Source.PrimaryKey;
            // A column added with a default reads that value where a row has no entry for it: only a row knows that.
            else if (index.IncludeOrdinals.Contains(ordinal) && table.Columns[ordinal].MissingValue is null) sources[ordinal] = Source.Included;
            else return null;
        }
        // Keys are read in order, so every key before the last one needed must decode too (to step over it).
        int keysRead = 0;
        var keyTypes = new SqlType[index.KeyOrdinals.Length];
        for (int position = 0; position < index.KeyOrdinals.Length; position++)
        {
            int ordinal = index.KeyOrdinals[position];
            keyTypes[position] = ordinal >= 0 ? table.Columns[ordinal].Type : index.KeyExpressions[position]!.Type;
            if (ordinal >= 0 && sources.TryGetValue(ordinal, out Source source) && source == Source.IndexKey) keysRead = position + 1;
        }
        int primaryKeysRead = 0;
        for (int position = 0; position < table.PrimaryKeyOrdinals.Count; position++)
        {
            int ordinal = table.PrimaryKeyOrdinals[position];
            if (sources.TryGetValue(ordinal, out Source source) && source == Source.PrimaryKey) primaryKeysRead = position + 1;
        }
        for (int position = 0; position < keysRead; position++) if (!KeyDecoder.CanDecode(keyTypes[position])) return null;
        for (int position = 0; position < primaryKeysRead; position++)
        {
            if (!KeyDecoder.CanDecode(table.Columns[table.PrimaryKeyOrdinals[position]].Type)) return null;
        }
        bool[]? included = null;
        foreach ((int ordinal, Source source) in sources)
        {
            if (source != Source.Included) continue;
            included ??= new bool[table.Columns.Count];
            included[ordinal] = true;
        }
        var keyOrdinals = new int[keysRead];
        for (int position = 0; position < keysRead; position++)
        {
            int ordinal = index.KeyOrdinals[position];
            keyOrdinals[position] = ordinal >= 0 && sources.TryGetValue(ordinal, out Source source) && source == Source.IndexKey ? ordinal : -1;
        }
        return new IndexOnlyReader(table, index.Descriptor, keyTypes, keyOrdinals, keysRead, primaryKeysRead, included);
    }

    /// <summary>The row of an index entry, with the needed columns set and the others NULL.</summary>
    public object?[] Decode(byte[] entryKey, byte[] entryValue)
    {
        var row = new object?[_table.Columns.Count];
        var key = new KeyDecoder(entryKey);
        key.Skip(ElementPrefixBytes);
        for (int position = 0; position < _keysRead; position++)
        {
            object? value = key.Read(_keyTypes[position], _index.KeyColumns[position].Descending);
            if (_keyOrdinals[position] >= 0) row[_keyOrdinals[position]] = value;
        }
        var reader = new MessagePackReader(entryValue);
        reader.ReadArrayHeader();
        if (_primaryKeysRead > 0)
        {
            ReadOnlySpan<byte> rowKey = reader.ReadBytes()!.Value.FirstSpan;
            var primary = new KeyDecoder(rowKey);
            primary.Skip(ElementPrefixBytes);
            for (int position = 0; position < _primaryKeysRead; position++)
            {
                int ordinal = _table.PrimaryKeyOrdinals[position];
                row[ordinal] = primary.Read(_table.Columns[ordinal].Type, descending: false);
            }
        }
        else
        {
            reader.Skip();
        }
        if (_included is not null)
        {
            byte[] payload = reader.ReadBytes()!.Value.ToArray();
            object?[] covered = RowEncoder.Decode(_table, payload, _included);
            for (int ordinal = 0; ordinal < row.Length; ordinal++) if (_included[ordinal]) row[ordinal] = covered[ordinal];
        }
        return row;
    }

    /// <summary>The table id and index id that start every key (two integer elements).</summary>
    private const int ElementPrefixBytes = 18;
}
