namespace Log.QueryNode.Sql.Catalog;

/// <summary>When a FOREIGN KEY or UNIQUE constraint is checked (pg_constraint.condeferrable / condeferred): NOT
/// DEFERRABLE at the end of each statement always; DEFERRABLE INITIALLY IMMEDIATE there too unless SET CONSTRAINTS ...
/// DEFERRED moves it to COMMIT; DEFERRABLE INITIALLY DEFERRED at COMMIT unless SET CONSTRAINTS ... IMMEDIATE. The
/// values are stored in table descriptors.</summary>
public enum ConstraintDeferral
{
    NotDeferrable = 0,
    InitiallyImmediate = 1,
    InitiallyDeferred = 2,
}

public static class ConstraintDeferralExtensions
{
    public static bool IsDeferrable(this ConstraintDeferral deferral) => deferral != ConstraintDeferral.NotDeferrable;

    /// <summary>The words pg_get_constraintdef and psql's \d print after the constraint ("" when not deferrable).</summary>
    public static string DefinitionSuffix(this ConstraintDeferral deferral) => deferral switch
    {
        ConstraintDeferral.InitiallyImmediate => " DEFERRABLE",
        ConstraintDeferral.InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
        _ => "",
    };
}
