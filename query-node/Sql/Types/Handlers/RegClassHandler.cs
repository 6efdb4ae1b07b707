using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>regclass: a relation's oid that reads and prints as its name. Input resolves the name in the statement's
/// catalog snapshot (pg_catalog first, then public, as the search path does); a number is taken as the oid itself.
/// Output is the name, quoted where needed, or the number when no relation has the oid (as regclassout).</summary>
internal sealed class RegClassHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.RegClass;

    public override Type ValueType => typeof(RegClass);

    public override IReadOnlyList<string> Names { get; } = ["regclass"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        string trimmed = text.Trim();
        CatalogSnapshot? catalog = settings.Names?.CatalogSnapshot;
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit)) return FromOid((long)new OidHandler().Parse(trimmed, type, position, settings), catalog);
        (string? schema, string name) = QualifiedNames.Parse(trimmed, position);
        if (catalog is null) throw new SqlException(SqlState.FeatureNotSupported, "regclass input is not supported here", position);
        long oid = catalog.FindRelationOid(schema, name)
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{trimmed}\" does not exist", position);
        return new RegClass(oid, catalog.RelationName(oid) ?? QualifiedNames.Quote(name));
    }

    public static RegClass FromOid(long oid, CatalogSnapshot? catalog) =>
        new(oid, catalog?.RelationName(oid) ?? oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture));

    public override string Format(object value, DateTimeSettings settings) => ((RegClass)value).ToString();

    public override int Compare(object left, object right) => ((RegClass)left).Oid.CompareTo(((RegClass)right).Oid);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write(((RegClass)value).Oid);

    /// <summary>A stored regclass is its oid; reading it knows no catalog, so it shows as the number until cast again.</summary>
    public override object ReadStored(ref MessagePackReader reader, SqlType type) => FromOid(reader.ReadInt64(), catalog: null);

    /// <summary>oid and the integers become regclass implicitly (binary coercible, as in pg_cast).</summary>
    public override bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context) =>
        from.Kind == TypeKind.Oid || from.IsInteger ? true : null;

    public override object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) =>
        FromOid(value is long oid ? ObjectIdentifierComparison.FromInteger(oid) : ObjectIdentifierComparison.ToOid(value), settings.Names?.CatalogSnapshot);
}
