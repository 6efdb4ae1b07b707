using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>regproc: a function's oid that prints as its name. Log's functions are its built-in registry and the type
/// I/O functions pg_type names, so a regproc here carries the name it prints; input takes a name or a number as given.</summary>
internal sealed class RegProcHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.RegProc;

    public override Type ValueType => typeof(RegProc);

    public override IReadOnlyList<string> Names { get; } = ["regproc"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        string trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit)) return new RegProc((long)new OidHandler().Parse(trimmed, type, position, settings), trimmed);
        // A type's I/O function has its pg_proc OID (pgjdbc tells arrays by typinput = 'pg_catalog.array_in'::regproc).
        string name = trimmed.StartsWith(PgCatalogPrefix, StringComparison.Ordinal) ? trimmed[PgCatalogPrefix.Length..] : trimmed;
        if (Catalog.System.TypeFunctions.Find(name) is { } function) return new RegProc(function.Oid, function.Name);
        // psql's \sf NAME reads 'NAME'::regproc::oid and then pg_get_functiondef of it.
        if (Catalog.System.SystemRelations.UniqueFunctionOid(name) is { } oid) return new RegProc(oid, name);
        return new RegProc(0, trimmed);
    }

    private const string PgCatalogPrefix = "pg_catalog.";

    public override string Format(object value, DateTimeSettings settings) => ((RegProc)value).Name;

    public override int Compare(object left, object right)
    {
        var a = (RegProc)left;
        var b = (RegProc)right;
        int byOid = a.Oid.CompareTo(b.Oid);
        return byOid != 0 ? byOid : string.CompareOrdinal(a.Name, b.Name);
    }

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write(((RegProc)value).Name);

    /// <summary>oid::regproc (psql's \dy and \dew cast the catalogs' function oids): pg_proc's function of that
    /// oid by name, "-" for 0 as regprocout prints it, else the number.</summary>
    public override bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context) => from.Kind == TypeKind.Oid || from.IsInteger ? true : null;

    public override object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings)
    {
        long oid = value is long number ? ObjectIdentifierComparison.FromInteger(number) : ObjectIdentifierComparison.ToOid(value);
        string name = oid == 0 ? "-" : Catalog.System.SystemRelations.ProcedureOf(oid)?.Name ?? oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
        return new RegProc(oid, name);
    }

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => new RegProc(0, reader.ReadString()!);
}
