using Log.QueryNode.Execution;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>aclitem: one entry of an access privilege list (pg_class.relacl, pg_database.datacl), held as its text
/// form "grantee=privileges/grantor" (an empty grantee is PUBLIC). The catalogs type their ACL columns aclitem[] so
/// that psql's array_to_string(relacl, E'\n') resolves as on PostgreSQL; Log grants nothing yet, so they are NULL.
/// Like PostgreSQL's aclitem it has no binary form and no ordering of its own (the text order stands in).</summary>
internal sealed class AclItemHandler : TypeHandler
{
    /// <summary>ACL_ALL_RIGHTS_STR of PostgreSQL 15: the privilege letters an aclitem may hold.</summary>
    private const string PrivilegeLetters = "arwdDxtXUCTcsA";

    public override TypeKind Kind => TypeKind.AclItem;

    public override Type? ValueType => null;

    public override IReadOnlyList<string> Names { get; } = ["aclitem"];

    /// <summary>aclitemin: "grantee=privileges[/grantor]", where a privilege letter may be followed by * (grant option).</summary>
    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        string trimmed = text.Trim();
        int equals = trimmed.IndexOf('=');
        if (equals < 0)
        {
            string word = trimmed.Split(' ', 2)[0];
            throw new SqlException(SqlState.InvalidTextRepresentation, $"unrecognized key word: \"{word}\"", position,
                hint: "ACL key word must be \"group\" or \"user\".");
        }
        int slash = trimmed.IndexOf('/', equals + 1);
        string privileges = slash < 0 ? trimmed[(equals + 1)..] : trimmed[(equals + 1)..slash];
        foreach (char letter in privileges)
        {
            if (letter != '*' && !PrivilegeLetters.Contains(letter))
            {
                throw new SqlException(SqlState.InvalidTextRepresentation, $"invalid mode character: must be one of \"{PrivilegeLetters}\"", position);
            }
        }
        return trimmed;
    }

    public override string Format(object value, DateTimeSettings settings) => (string)value;

    public override int Compare(object left, object right) => string.CompareOrdinal((string)left, (string)right);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write((string)value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => reader.ReadString()!;
}
