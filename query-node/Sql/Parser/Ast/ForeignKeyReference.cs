using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>REFERENCES table [(columns)] [MATCH SIMPLE] [ON DELETE action] [ON UPDATE action] (PostgreSQL's
/// Constraint.pktable, pk_attrs, fk_del_action, fk_upd_action); no columns means the table's primary key.</summary>
public sealed record ForeignKeyReference(
    RangeVar Table,
    IReadOnlyList<(string Name, int Location)>? Columns,
    ForeignKeyAction OnDelete,
    ForeignKeyAction OnUpdate);
