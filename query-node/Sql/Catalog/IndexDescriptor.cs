namespace Log.QueryNode.Sql.Catalog;

/// <summary>Where an index is in its life (pg_index.indisready / indisvalid): a building index is maintained by every
/// write but not yet read by queries; a valid one is complete and the planner may use it.</summary>
public enum IndexState
{
    Building = 0,
    Valid = 1,
}

/// <summary>One key column of an index: a table column (by id, so renames keep it) or an expression over the row
/// (its SQL text, bound against the table when used), with its sort direction and where NULLs sort.</summary>
public sealed record IndexKeyColumn(int ColumnId, string? Expression, bool Descending, bool NullsFirst)
{
    public bool IsExpression => Expression is not null;
}

/// <summary>
/// A secondary index (pg_index). Its entries live at (table id, index id, key columns [, row key]) and hold the row's
/// key and the INCLUDE columns. A unique index leaves the row key out of the entry's key whenever the key columns
/// hold no NULL (or NULLS NOT DISTINCT), so two rows with equal values write the same storage key: the duplicate is
/// visible to the second writer (23505) or, if the two race, a write-write conflict for the adjudicator (40001).
/// Ids are never reused within a table, so the entries of a dropped index are unreachable. <see cref="IsPrimary"/>: the
/// unique index of a PRIMARY KEY added by ALTER TABLE to a table keyed by a hidden row id (the rows keep that key).
/// <see cref="Deferral"/>: a UNIQUE constraint declared DEFERRABLE (shown in the catalog; Log still checks it as each
/// row is written, since two rows with equal values would write the same entry key).
/// </summary>
public sealed record IndexDescriptor(
    int Id,
    string Name,
    IReadOnlyList<IndexKeyColumn> KeyColumns,
    IReadOnlyList<int> IncludeColumnIds,
    string? Predicate,
    bool IsUnique,
    bool NullsNotDistinct,
    IndexState State,
    bool IsConstraint,
    bool IsPrimary = false,
    ConstraintDeferral Deferral = ConstraintDeferral.NotDeferrable)
{
    public bool IsPartial => Predicate is not null;

    /// <summary>An entry whose key columns hold no NULL has those columns alone as its storage key (no row key after
    /// them), so equal values on every key column name at most one entry: a unique index, not deferrable (a deferrable
    /// one keeps the row key so that duplicates can exist until they are checked).</summary>
    public bool HasOneEntryPerKey => IsUnique && !Deferral.IsDeferrable();
}

/// <summary>A CHECK constraint (pg_constraint, contype 'c'): its name and boolean expression as SQL text. One added NOT
/// VALID is checked for new and changed rows only, until VALIDATE CONSTRAINT has checked the rows already there
/// (pg_constraint.convalidated).</summary>
public sealed record CheckConstraint(string Name, string Expression, bool IsValidated = true);
