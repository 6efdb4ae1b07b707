namespace Log.QueryNode.Sql.Catalog;

/// <summary>What a foreign key does to the referencing rows when a referenced row is deleted or its key updated
/// (pg_constraint.confdeltype / confupdtype).</summary>
public enum ForeignKeyAction
{
    NoAction = 0,
    Restrict = 1,
    Cascade = 2,
    SetNull = 3,
    SetDefault = 4,
}

/// <summary>
/// A FOREIGN KEY constraint (pg_constraint, contype 'f'), stored with the referencing table: its columns (by id) must
/// match a row of <see cref="ReferencedTable"/> on <see cref="ReferencedColumnIds"/>, which are that table's primary
/// key (<see cref="ReferencedIndexId"/> = <see cref="TableDescriptor.PrimaryIndexId"/>) or the key columns of one of
/// its unique indexes, in the order of the referencing columns. MATCH SIMPLE: a row with a NULL in any referencing
/// column is not checked. The referenced table lists the referencing one in <see cref="TableDescriptor.ReferencedBy"/>
/// so that its deletes and key updates find the constraint. One added NOT VALID is not yet known to hold for the rows
/// that were there before it (pg_constraint.convalidated), until VALIDATE CONSTRAINT. A deferrable one may be checked
/// at COMMIT instead of at the end of each statement (<see cref="Deferral"/>).
/// </summary>
public sealed record ForeignKeyConstraint(
    string Name,
    IReadOnlyList<int> ColumnIds,
    string ReferencedTable,
    IReadOnlyList<int> ReferencedColumnIds,
    int ReferencedIndexId,
    ForeignKeyAction OnDelete,
    ForeignKeyAction OnUpdate,
    bool IsValidated = true,
    ConstraintDeferral Deferral = ConstraintDeferral.NotDeferrable);
