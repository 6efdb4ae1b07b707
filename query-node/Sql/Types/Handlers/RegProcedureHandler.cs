using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Functions;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>regprocedure: a function's oid (its pg_proc row's: PostgreSQL's, or Log's own from
/// <see cref="SystemRelations.FirstFunctionOid"/>) that reads and prints as its signature, name(argument types), so
/// that overloads have names of their own. As regprocedureout, 0 prints as "-" and an oid no function has as its
/// number.</summary>
internal sealed class RegProcedureHandler : NamedObjectIdentifierHandler<RegProcedure>
{
    public override TypeKind Kind => TypeKind.RegProcedure;

    public override IReadOnlyList<string> Names { get; } = ["regprocedure"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        string trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit)) return FromOid((long)new OidHandler().Parse(trimmed, type, position, settings));
        return Find(trimmed, position) ?? throw new SqlException(SqlState.UndefinedFunction, $"function \"{trimmed}\" does not exist", position);
    }

    /// <summary>The function a signature names, or null when none has it; 22P02 when the text is not name(types).</summary>
    public static RegProcedure? Find(string text, int? position)
    {
        string trimmed = text.Trim();
        int open = trimmed.IndexOf('(');
        if (open < 0 || !trimmed.EndsWith(')'))
        {
            throw new SqlException(SqlState.InvalidTextRepresentation, "expected a left parenthesis", position);
        }
        (string? schema, string name) = QualifiedNames.Parse(trimmed[..open].Trim(), position);
        if (schema is not null and not "pg_catalog") return null;
        string inside = trimmed[(open + 1)..^1].Trim();
        var wanted = new List<long>();
        if (inside.Length > 0)
        {
            foreach (string argument in inside.Split(','))
            {
                string typeName = argument.Trim().ToLowerInvariant();
                typeName = typeName.StartsWith("pg_catalog.", StringComparison.Ordinal) ? typeName["pg_catalog.".Length..] : typeName;
                if (TypeNames.FindOid(typeName) is not long oid) return null;
                wanted.Add(oid);
            }
        }
        return SystemRelations.Procedures.FirstOrDefault(procedure => procedure.Name == name && procedure.ArgumentTypes.SequenceEqual(wanted)) is { } found
            ? new RegProcedure(found.Oid, SystemRelations.ProcedureSignature(found))
            : null;
    }

    public static RegProcedure FromOid(long oid)
    {
        if (oid == 0) return new RegProcedure(0, "-");
        if (SystemRelations.ProcedureOf(oid) is { } procedure) return new RegProcedure(oid, SystemRelations.ProcedureSignature(procedure));
        return new RegProcedure(oid, oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture));
    }

    protected override RegProcedure OfOid(long oid, IObjectNames? names) => FromOid(oid);

    protected override long OidOf(RegProcedure value) => value.Oid;

    protected override string NameOf(RegProcedure value) => value.Signature;
}
