using Log.QueryNode.Execution;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>xid and cid: PostgreSQL's unsigned 32-bit transaction and command ids, held as a long.</summary>
internal abstract class CounterHandler(TypeKind kind, string name) : TypeHandler
{
    public override TypeKind Kind => kind;

    public override Type? ValueType => null;

    public override IReadOnlyList<string> Names { get; } = [name];

    /// <summary>xidin, cidin: an unsigned 32-bit integer.</summary>
    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        if (!uint.TryParse(text.Trim(), global::System.Globalization.NumberStyles.None, global::System.Globalization.CultureInfo.InvariantCulture, out uint value))
        {
            throw InvalidInput(name, text, position);
        }
        return (long)value;
    }

    public override string Format(object value, DateTimeSettings settings) =>
        ((long)value).ToString(global::System.Globalization.CultureInfo.InvariantCulture);

    public override int Compare(object left, object right) => ((long)left).CompareTo((long)right);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write((long)value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => reader.ReadInt64();
}

/// <summary>xid: a 32-bit transaction id (pg_class.relfrozenxid, pg_database.datfrozenxid, the system columns xmin and
/// xmax). Log has no transaction ids of its own to freeze; the catalogs type these columns xid so that clients see
/// PostgreSQL's row descriptions, and fill them as a new PostgreSQL database would be (FirstNormalTransactionId for
/// tables, 0 for the rest).</summary>
internal sealed class XidHandler() : CounterHandler(TypeKind.Xid, "xid")
{
    /// <summary>PostgreSQL's FirstNormalTransactionId: the oldest xid a table's rows can hold.</summary>
    public const long FirstNormalTransactionId = 3;

    /// <summary>PostgreSQL's FirstMultiXactId (relminmxid, datminmxid).</summary>
    public const long FirstMultiTransactionId = 1;
}

/// <summary>cid: a command id within a transaction, the type of the system columns cmin and cmax.</summary>
internal sealed class CidHandler() : CounterHandler(TypeKind.Cid, "cid");

/// <summary>tid: a row's (block, offset), the type of the system column ctid, held as a long
/// (<see cref="Log.Wire.Types.PgTypes.Tid"/>); it prints "(block,offset)" and compares block first.</summary>
internal sealed class TidHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Tid;

    public override Type? ValueType => null;

    public override IReadOnlyList<string> Names { get; } = ["tid"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings) =>
        Log.Wire.Types.PgTypes.TryParseTid(text, out long tid) ? tid : throw InvalidInput("tid", text, position);

    /// <summary>To a string type by its output, as every type's I/O conversion cast (in assignment and explicitly).</summary>
    public override bool? CanCastTo(SqlType from, SqlType to, ValueCast.Context context) => to.IsString ? context != ValueCast.Context.Implicit : null;

    public override object ConvertTo(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings)
    {
        string text = Format(value, settings);
        return to.Kind == TypeKind.Text ? text : ValueCast.ApplyStringModifier(text, to, context == ValueCast.Context.Explicit);
    }

    public override int Compare(object left, object right) => ((long)left).CompareTo((long)right);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write((long)value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => reader.ReadInt64();
}

/// <summary>pg_node_tree: an expression stored in a catalog (pg_attrdef.adbin, pg_constraint.conbin, pg_index.indpred).
/// PostgreSQL keeps its internal node serialisation there, which clients only hand to pg_get_expr; Log keeps the
/// expression's text. Like PostgreSQL's, it accepts no input and casts to text implicitly (binary coercible).</summary>
internal sealed class NodeTreeHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.PgNodeTree;

    public override Type? ValueType => null;

    public override IReadOnlyList<string> Names { get; } = ["pg_node_tree"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings) =>
        throw new SqlException(SqlState.FeatureNotSupported, "cannot accept a value of type pg_node_tree", position);

    public override string Format(object value, DateTimeSettings settings) => (string)value;

    public override int Compare(object left, object right) => string.CompareOrdinal((string)left, (string)right);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write((string)value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => reader.ReadString()!;

    public override bool? CanCastTo(SqlType from, SqlType to, ValueCast.Context context) => to.Kind is TypeKind.Text ? true : null;

    public override object ConvertTo(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) => (string)value;
}

/// <summary>anyarray: the pseudo-type of pg_attribute.attmissingval and pg_statistic's value columns, whose values are
/// arrays of the column's own type. Log fills no such column (no missing values, no statistics), so the type exists to
/// describe them as PostgreSQL does; it cannot be written in a query (as a pseudo-type it could not be a column's type).</summary>
internal sealed class AnyArrayHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.AnyArray;

    public override Type? ValueType => null;

    public override IReadOnlyList<string> Names { get; } = [];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings) =>
        throw new SqlException(SqlState.FeatureNotSupported, "cannot accept a value of type anyarray", position);

    public override string Format(object value, DateTimeSettings settings) => ValueFormatter.Format(value, settings)!;

    public override int Compare(object left, object right) => ValueComparer.CompareNonNull(left, right);

    public override void WriteStored(ref MessagePackWriter writer, object value) =>
        throw new SqlException(SqlState.FeatureNotSupported, "values of type anyarray cannot be stored");

    public override object ReadStored(ref MessagePackReader reader, SqlType type) =>
        throw new SqlException(SqlState.FeatureNotSupported, "values of type anyarray cannot be stored");
}
