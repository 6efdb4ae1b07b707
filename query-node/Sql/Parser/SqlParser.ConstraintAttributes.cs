using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    /// <summary>Whether a constraint attribute (gram.y's ConstraintAttributeElem: [NOT] DEFERRABLE, INITIALLY
    /// {DEFERRED | IMMEDIATE}) starts at the current token.</summary>
    private bool AtConstraintAttribute() =>
        IsKeyword("deferrable") || IsKeyword("initially") || IsKeyword("not") && Peek().IsKeyword("deferrable");

    /// <summary>The constraint attributes after a FOREIGN KEY, UNIQUE or PRIMARY KEY, in any order, with gram.y's
    /// errors (processCASbits): each kind at most once, and INITIALLY DEFERRED only on a DEFERRABLE constraint.</summary>
    private ConstraintDeferral ParseConstraintDeferral()
    {
        bool? deferrable = null;
        bool? initiallyDeferred = null;
        int initiallyLocation = -1;
        while (AtConstraintAttribute())
        {
            Token token = Current;
            if (TryKeyword("initially"))
            {
                if (initiallyDeferred is not null)
                {
                    throw new SqlException(SqlState.SyntaxError, "multiple INITIALLY IMMEDIATE/DEFERRED clauses not allowed", token.Position + 1);
                }
                initiallyLocation = token.Position;
                if (TryKeyword("deferred")) initiallyDeferred = true;
                else if (TryKeyword("immediate")) initiallyDeferred = false;
                else throw SyntaxError();
                continue;
            }
            if (deferrable is not null)
            {
                throw new SqlException(SqlState.SyntaxError, "multiple DEFERRABLE/NOT DEFERRABLE clauses not allowed", token.Position + 1);
            }
            deferrable = !TryKeyword("not");
            ExpectKeyword("deferrable");
        }
        if (initiallyDeferred == true && deferrable == false)
        {
            throw new SqlException(SqlState.SyntaxError, "constraint declared INITIALLY DEFERRED must be DEFERRABLE", initiallyLocation + 1);
        }
        if (initiallyDeferred == true) return ConstraintDeferral.InitiallyDeferred;
        return deferrable == true ? ConstraintDeferral.InitiallyImmediate : ConstraintDeferral.NotDeferrable;
    }

    /// <summary>Constraint attributes where the constraint before them cannot take them (a CHECK, NOT NULL, a
    /// column's DEFAULT): PostgreSQL's "misplaced ... clause".</summary>
    private void RejectMisplacedConstraintAttribute()
    {
        if (!AtConstraintAttribute()) return;
        string clause = IsKeyword("initially") ? "INITIALLY " + Peek().Text.ToUpperInvariant() : IsKeyword("not") ? "NOT DEFERRABLE" : "DEFERRABLE";
        throw new SqlException(SqlState.SyntaxError, $"misplaced {clause} clause", Current.Position + 1);
    }

    /// <summary>A PRIMARY KEY's constraint attributes: only NOT DEFERRABLE (the default) is supported, since the primary
    /// key is the row's storage key and a transient duplicate would overwrite the other row.</summary>
    private void ExpectNotDeferrablePrimaryKey()
    {
        int location = Current.Position;
        if (ParseConstraintDeferral().IsDeferrable()) throw NotSupported("DEFERRABLE PRIMARY KEY constraints", location);
    }

    /// <summary>SET CONSTRAINTS {ALL | name [, ...]} {DEFERRED | IMMEDIATE} ("set" is read).</summary>
    private ConstraintsSetStmt ParseConstraintsSet(int location)
    {
        ExpectKeyword("constraints");
        List<RangeVar>? names = null;
        if (!TryKeyword("all"))
        {
            names = [];
            do names.Add(ParseRangeVar(allowAlias: false));
            while (TryOperator(","));
        }
        if (TryKeyword("deferred")) return new ConstraintsSetStmt(names, Deferred: true, location);
        ExpectKeyword("immediate");
        return new ConstraintsSetStmt(names, Deferred: false, location);
    }
}
