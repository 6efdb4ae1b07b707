using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Encoding;
using Log.Wire.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Types;

/// <summary>
/// What one type does with its values: PostgreSQL's typinput/typoutput (text), btree ordering and hashing, how a value
/// is stored in a row and in a key, and the casts that are not I/O conversions (pg_cast). One class per type under
/// Handlers/, registered in <see cref="TypeRegistry"/>; adding a type is its <see cref="TypeKind"/>, its metadata in
/// <see cref="SqlType"/> and one handler. The wire protocol's codecs (<see cref="PgTypes"/>) read and write the same
/// CLR values, so the text a client receives and the text a cast to text gives are one implementation.
/// </summary>
internal abstract class TypeHandler
{
    public abstract TypeKind Kind { get; }

    /// <summary>The CLR type of the type's values (null when values are of a type another handler owns, e.g. strings).</summary>
    public abstract Type? ValueType { get; }

    /// <summary>The names a query may write for the type (besides those the parser turns into one of them).</summary>
    public abstract IReadOnlyList<string> Names { get; }

    /// <summary>The type a written name with its modifiers denotes; by default one that takes no modifiers.</summary>
    public virtual SqlType Resolve(string name, IReadOnlyList<int> modifiers, int position)
    {
        if (modifiers.Count > 0)
        {
            throw new SqlException(SqlState.SyntaxError, $"type modifier is not allowed for type \"{name}\"", position);
        }
        return new SqlType(Kind);
    }

    /// <summary>typinput: the value a text denotes, or a SqlException with PostgreSQL's SQLSTATE (22P02 ...). By
    /// default the wire protocol's text codec for the type's OID.</summary>
    public virtual object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        try
        {
            return PgTypes.DecodeText(text, new SqlType(Kind).Oid, settings.TypeSettings);
        }
        catch (Log.Wire.PgException exception)
        {
            throw new SqlException(exception.Error.SqlState, exception.Error.Message, position, exception.Error.Detail, exception.Error.Hint);
        }
    }

    /// <summary>typoutput. By default the wire protocol's text codec for the type's OID.</summary>
    public virtual string Format(object value, DateTimeSettings settings) =>
        PgTypes.EncodeText(value, new SqlType(Kind).Oid, settings.TypeSettings)!;

    /// <summary>btree ordering of two non-null values.</summary>
    public abstract int Compare(object left, object right);

    /// <summary>A hash consistent with <see cref="Compare"/> returning 0.</summary>
    public virtual int Hash(object value) => value.GetHashCode();

    /// <summary>Writes a non-null value into a stored row (MessagePack).</summary>
    public abstract void WriteStored(ref MessagePackWriter writer, object value);

    /// <summary>Reads a value <see cref="WriteStored"/> wrote.</summary>
    public abstract object ReadStored(ref MessagePackReader reader, SqlType type);

    /// <summary>Whether <see cref="WriteKey"/> is implemented: values can be primary and index keys, and the planner
    /// may turn comparisons with them into key ranges.</summary>
    public virtual bool HasKeyEncoding => false;

    /// <summary>Appends the order-preserving key encoding of a non-null value (primary and index keys).</summary>
    public virtual void WriteKey(ref KeyEncoder encoder, object value) =>
        throw new SqlException(SqlState.FeatureNotSupported, $"type {new SqlType(Kind).DisplayName} cannot be part of a key");

    /// <summary>Whether a cast from <paramref name="from"/> to this type exists in <paramref name="context"/>, other
    /// than the I/O conversion casts every type has from and to the string types (null: not this handler's concern).</summary>
    public virtual bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context) => null;

    /// <summary>Whether a cast from this type to <paramref name="to"/> exists (null: not this handler's concern).</summary>
    public virtual bool? CanCastTo(SqlType from, SqlType to, ValueCast.Context context) => null;

    /// <summary>Converts a non-null value of another type into this one (after <see cref="CanCastFrom"/> said yes).</summary>
    public virtual object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) =>
        throw new InvalidOperationException($"no cast from {from} to {to}");

    /// <summary>Converts a non-null value of this type to another one (after <see cref="CanCastTo"/> said yes).</summary>
    public virtual object ConvertTo(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) =>
        throw new InvalidOperationException($"no cast from {from} to {to}");

    /// <summary>Applies the type's modifier to a value of the type (varchar(n)-like length checks); by default none.</summary>
    public virtual object ApplyModifier(object value, SqlType type, bool isExplicit) => value;

    protected static SqlException InvalidInput(string typeName, string text, int? position) =>
        new(SqlState.InvalidTextRepresentation, $"invalid input syntax for type {typeName}: \"{text}\"", position);
}
