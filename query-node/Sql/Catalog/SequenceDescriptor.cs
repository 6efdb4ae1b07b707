using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>
/// A sequence (pg_class relkind 'S' + pg_sequence): its options. Its current value is not here but under its own key
/// (<see cref="CatalogKeys.SequenceState"/>), which only the allocation transactions write. Version goes up with every
/// ALTER SEQUENCE, so a node drops values it cached under older options. OwnedBy names the column whose table's drop
/// drops the sequence too (serial and identity columns); IsIdentity marks the sequence of an identity column.
/// </summary>
public sealed record SequenceDescriptor(
    long Id,
    string Name,
    int Version,
    SqlType Type,
    long Start,
    long Increment,
    long MinValue,
    long MaxValue,
    long Cache,
    bool Cycle,
    string? OwnedByTable,
    string? OwnedByColumn,
    bool IsIdentity);

/// <summary>A sequence's allocation state, PostgreSQL's (last_value, is_called): the next value handed out is
/// LastValue itself when IsCalled is false, else the one after it.</summary>
public readonly record struct SequenceState(long LastValue, bool IsCalled);
