using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>Short names for the column types of PostgreSQL's own relations, shared by the column lists recorded from
/// PostgreSQL 15 (<see cref="PgCatalogColumns"/>, <see cref="PostgreSqlRelationColumns"/>). A base class rather than
/// <c>using static</c>: inside the derived classes these names win over types of the same name, such as char.</summary>
internal abstract class CatalogColumnTypes
{
    protected static readonly SqlType Oid = new(TypeKind.Oid);
    protected static readonly SqlType Name = new(TypeKind.Name);
    protected static readonly SqlType Char = new(TypeKind.Char);
    protected static readonly SqlType RegProc = new(TypeKind.RegProc);
    protected static readonly SqlType RegType = new(TypeKind.RegType);
    protected static readonly SqlType Bool = SqlType.Bool;
    protected static readonly SqlType Int2 = SqlType.Int2;
    protected static readonly SqlType Int4 = SqlType.Int4;
    protected static readonly SqlType Int8 = SqlType.Int8;
    protected static readonly SqlType Float4 = SqlType.Float4;
    protected static readonly SqlType Text = SqlType.Text;
    protected static readonly SqlType Bytea = SqlType.Bytea;
    protected static readonly SqlType TimestampTz = SqlType.TimestampTz;
    protected static readonly SqlType AclItems = SqlType.ArrayOf(new SqlType(TypeKind.AclItem));
    protected static readonly SqlType Texts = SqlType.ArrayOf(Text);
    protected static readonly SqlType Oids = SqlType.ArrayOf(Oid);
    protected static readonly SqlType Int2s = SqlType.ArrayOf(Int2);
    protected static readonly SqlType Chars = SqlType.ArrayOf(Char);
    protected static readonly SqlType Int2Vector = new(TypeKind.Int2Vector);
    protected static readonly SqlType OidVector = new(TypeKind.OidVector);
    protected static readonly SqlType Xid = new(TypeKind.Xid);
    protected static readonly SqlType NodeTree = new(TypeKind.PgNodeTree);
    protected static readonly SqlType AnyArray = new(TypeKind.AnyArray);
    protected static readonly SqlType Float8 = SqlType.Float8;
    protected static readonly SqlType Numeric = SqlType.Numeric;
    protected static readonly SqlType Interval = SqlType.Interval;
    protected static readonly SqlType Names = SqlType.ArrayOf(Name);
    protected static readonly SqlType Bools = SqlType.ArrayOf(Bool);
    protected static readonly SqlType Float4s = SqlType.ArrayOf(Float4);
    protected static readonly SqlType Float8s = SqlType.ArrayOf(Float8);
    protected static readonly SqlType RegTypes = SqlType.ArrayOf(RegType);
    protected static readonly SqlType SqlIdentifier = Name;
    protected static readonly SqlType CharacterData = SqlType.Varchar;
    protected static readonly SqlType CardinalNumber = Int4;
    protected static readonly SqlType YesOrNo = new(TypeKind.Varchar, 3 + SqlType.VariableLengthModifierOffset);
    protected static readonly SqlType TimeStamp = new(TypeKind.TimestampTz, 2);
}
