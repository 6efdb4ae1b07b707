using System.Text;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>PostgreSQL's privilege bits (ACL_INSERT ... ACL_CONNECT), in the order aclitem text prints their letters.</summary>
[Flags]
public enum Privileges
{
    None = 0,
    Insert = 1 << 0,
    Select = 1 << 1,
    Update = 1 << 2,
    Delete = 1 << 3,
    Truncate = 1 << 4,
    References = 1 << 5,
    Trigger = 1 << 6,
    Execute = 1 << 7,
    Usage = 1 << 8,
    Create = 1 << 9,
    Temporary = 1 << 10,
    Connect = 1 << 11,
}

/// <summary>One aclitem: what <see cref="GranteeOid"/> (0 for PUBLIC) was given by <see cref="GrantorOid"/>, and which of
/// it it may grant on (WITH GRANT OPTION).</summary>
public sealed record AccessControlItem(long GranteeOid, long GrantorOid, Privileges Granted, Privileges GrantOptions);

/// <summary>
/// An object's privileges as PostgreSQL keeps them in relacl/nspacl: null means the default (the owner holds every
/// privilege of the kind, nobody else any), and the first GRANT or REVOKE writes the default out and changes it. A
/// table's columns have ACLs of their own (attacl). Stored at (0, 28, object OID), so a RENAME keeps them; the owner of
/// a view or sequence is kept here too (tables keep theirs in the descriptor).
/// </summary>
public sealed record ObjectPrivileges(IReadOnlyList<AccessControlItem>? Items, IReadOnlyDictionary<int, IReadOnlyList<AccessControlItem>> Columns)
{
    public static readonly ObjectPrivileges Default = new(null, new Dictionary<int, IReadOnlyList<AccessControlItem>>());

    /// <summary>The owner's OID when this record keeps it (views and sequences made by a role other than admin); 0 otherwise.</summary>
    public long OwnerOid { get; init; }

    /// <summary>PostgreSQL's letters for each privilege, in aclitem order.</summary>
    private static readonly (Privileges Privilege, char Letter)[] Letters =
    [
        (Privileges.Insert, 'a'), (Privileges.Select, 'r'), (Privileges.Update, 'w'), (Privileges.Delete, 'd'), (Privileges.Truncate, 'D'),
        (Privileges.References, 'x'), (Privileges.Trigger, 't'), (Privileges.Execute, 'X'), (Privileges.Usage, 'U'), (Privileges.Create, 'C'),
        (Privileges.Temporary, 'T'), (Privileges.Connect, 'c'),
    ];

    /// <summary>Every privilege a table (and view) has; a sequence's; a schema's; a column's.</summary>
    public const Privileges TableAll = Privileges.Insert | Privileges.Select | Privileges.Update | Privileges.Delete | Privileges.Truncate
        | Privileges.References | Privileges.Trigger;
    public const Privileges SequenceAll = Privileges.Select | Privileges.Update | Privileges.Usage;
    public const Privileges SchemaAll = Privileges.Usage | Privileges.Create;
    public const Privileges ColumnAll = Privileges.Insert | Privileges.Select | Privileges.Update | Privileges.References;

    /// <summary>The items in effect: the stored ones, or the default for an owner holding <paramref name="all"/> (its grant
    /// options are implicit, so acldefault does not list them).</summary>
    public IReadOnlyList<AccessControlItem> EffectiveItems(long ownerOid, Privileges all) =>
        Items ?? [new AccessControlItem(ownerOid, ownerOid, all, Privileges.None)];

    /// <summary>aclitem's text: grantee=letters/grantor, a * after each letter held with grant option; PUBLIC is an empty name.</summary>
    public static string Format(AccessControlItem item, Func<long, string> roleName)
    {
        var text = new StringBuilder();
        if (item.GranteeOid != 0) text.Append(QuoteRoleName(roleName(item.GranteeOid)));
        text.Append('=');
        foreach ((Privileges privilege, char letter) in Letters)
        {
            if ((item.Granted & privilege) == 0) continue;
            text.Append(letter);
            if ((item.GrantOptions & privilege) != 0) text.Append('*');
        }
        text.Append('/').Append(QuoteRoleName(roleName(item.GrantorOid)));
        return text.ToString();
    }

    /// <summary>putid's rule: a name of letters, digits and underscores is written bare, any other in double quotes.</summary>
    private static string QuoteRoleName(string name)
    {
        if (name.Length > 0 && name.All(character => char.IsAsciiLetterOrDigit(character) || character == '_')) return name;
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The privileges the roles in <paramref name="roles"/> hold through <paramref name="items"/> (PUBLIC's too).</summary>
    public static Privileges HeldBy(IReadOnlyList<AccessControlItem> items, IReadOnlySet<long> roles)
    {
        Privileges held = Privileges.None;
        foreach (AccessControlItem item in items)
        {
            if (item.GranteeOid == 0 || roles.Contains(item.GranteeOid)) held |= item.Granted;
        }
        return held;
    }

    /// <summary>The items after granting (or, with <paramref name="revoke"/>, revoking) <paramref name="privileges"/> to
    /// <paramref name="granteeOid"/> by <paramref name="grantorOid"/>; REVOKE GRANT OPTION FOR takes only the option away.
    /// An item left with nothing is removed, as PostgreSQL's aclupdate does.</summary>
    public static List<AccessControlItem> Change(IReadOnlyList<AccessControlItem> items, long granteeOid, long grantorOid, Privileges privileges,
        bool withGrantOption, bool revoke)
    {
        var changed = new List<AccessControlItem>(items.Count + 1);
        bool found = false;
        foreach (AccessControlItem item in items)
        {
            if (item.GranteeOid != granteeOid || item.GrantorOid != grantorOid)
            {
                changed.Add(item);
                continue;
            }
            found = true;
            AccessControlItem updated = revoke
                ? withGrantOption
                    ? item with { GrantOptions = item.GrantOptions & ~privileges }
                    : item with { Granted = item.Granted & ~privileges, GrantOptions = item.GrantOptions & ~privileges }
                : item with { Granted = item.Granted | privileges, GrantOptions = withGrantOption ? item.GrantOptions | privileges : item.GrantOptions };
            if (updated.Granted != Privileges.None) changed.Add(updated);
        }
        if (!found && !revoke) changed.Add(new AccessControlItem(granteeOid, grantorOid, privileges, withGrantOption ? privileges : Privileges.None));
        return changed;
    }

    /// <summary>The privilege a GRANT or has_*_privilege word names.</summary>
    public static Privileges Parse(string word) => word switch
    {
        "INSERT" => Privileges.Insert,
        "SELECT" => Privileges.Select,
        "UPDATE" => Privileges.Update,
        "DELETE" => Privileges.Delete,
        "TRUNCATE" => Privileges.Truncate,
        "REFERENCES" => Privileges.References,
        "TRIGGER" => Privileges.Trigger,
        "EXECUTE" => Privileges.Execute,
        "USAGE" => Privileges.Usage,
        "CREATE" => Privileges.Create,
        "TEMPORARY" or "TEMP" => Privileges.Temporary,
        "CONNECT" => Privileges.Connect,
        _ => Privileges.None,
    };

    /// <summary>The privileges in <paramref name="privileges"/> as GRANT words, in PostgreSQL's order (information_schema).</summary>
    public static IEnumerable<string> Words(Privileges privileges)
    {
        foreach ((Privileges privilege, string word) in Names)
        {
            if ((privileges & privilege) != 0) yield return word;
        }
    }

    private static readonly (Privileges Privilege, string Word)[] Names =
    [
        (Privileges.Insert, "INSERT"), (Privileges.Select, "SELECT"), (Privileges.Update, "UPDATE"), (Privileges.Delete, "DELETE"),
        (Privileges.Truncate, "TRUNCATE"), (Privileges.References, "REFERENCES"), (Privileges.Trigger, "TRIGGER"), (Privileges.Execute, "EXECUTE"),
        (Privileges.Usage, "USAGE"), (Privileges.Create, "CREATE"), (Privileges.Temporary, "TEMPORARY"), (Privileges.Connect, "CONNECT"),
    ];
}

/// <summary>
/// One ALTER DEFAULT PRIVILEGES entry, PostgreSQL's pg_default_acl row: the ACL that objects of <see cref="ObjectType"/>
/// ('r' tables and views, 'S' sequences, 'f' functions, 'T' types, 'n' schemas) created later by <see cref="RoleOid"/> start with,
/// everywhere (<see cref="NamespaceOid"/> 0: replacing the kind's default) or in one schema (added to it).
/// </summary>
public sealed record DefaultPrivileges(long Oid, long RoleOid, long NamespaceOid, char ObjectType, IReadOnlyList<AccessControlItem> Items)
{
    /// <summary>Every privilege an object of the type has.</summary>
    public static Privileges AllOf(char objectType) => objectType switch
    {
        'r' => ObjectPrivileges.TableAll,
        'S' => ObjectPrivileges.SequenceAll,
        'n' => ObjectPrivileges.SchemaAll,
        'f' => Privileges.Execute,
        'T' => Privileges.Usage,
        _ => throw new ArgumentOutOfRangeException(nameof(objectType)),
    };

    /// <summary>acldefault: the owner holds everything; PUBLIC may also execute a function and use a type.</summary>
    public static IReadOnlyList<AccessControlItem> BuiltIn(char objectType, long ownerOid) => objectType is 'f' or 'T'
        ? [new AccessControlItem(0, ownerOid, AllOf(objectType), Privileges.None), new AccessControlItem(ownerOid, ownerOid, AllOf(objectType), Privileges.None)]
        : [new AccessControlItem(ownerOid, ownerOid, AllOf(objectType), Privileges.None)];

    /// <summary>The ACL a new object of <paramref name="objectType"/> owned by <paramref name="ownerOid"/> in namespace
    /// <paramref name="namespaceOid"/> starts with (PostgreSQL's get_user_default_acl): the owner's global entry or the
    /// built-in default, plus its entry for the schema; null when that is just the built-in default.</summary>
    public static IReadOnlyList<AccessControlItem>? ForNewObject(IEnumerable<DefaultPrivileges> entries, long ownerOid, long namespaceOid, char objectType)
    {
        DefaultPrivileges? global = null;
        DefaultPrivileges? inSchema = null;
        foreach (DefaultPrivileges entry in entries)
        {
            if (entry.RoleOid != ownerOid || entry.ObjectType != objectType) continue;
            if (entry.NamespaceOid == 0) global = entry;
            else if (entry.NamespaceOid == namespaceOid) inSchema = entry;
        }
        if (global is null && inSchema is null) return null;
        IReadOnlyList<AccessControlItem> builtIn = BuiltIn(objectType, ownerOid);
        List<AccessControlItem> items = [.. global?.Items ?? builtIn];
        foreach (AccessControlItem item in inSchema?.Items ?? [])
        {
            items = ObjectPrivileges.Change(items, item.GranteeOid, item.GrantorOid, item.Granted, withGrantOption: false, revoke: false);
            if (item.GrantOptions != Privileges.None)
            {
                items = ObjectPrivileges.Change(items, item.GranteeOid, item.GrantorOid, item.GrantOptions, withGrantOption: true, revoke: false);
            }
        }
        return SameItems(items, builtIn) ? null : Sorted(items);
    }

    /// <summary>An ACL in PostgreSQL's aclitemsort order (grantee, grantor, privileges), the order pg_default_acl entries
    /// and the ACLs made from them are stored in.</summary>
    public static List<AccessControlItem> Sorted(IEnumerable<AccessControlItem> items) =>
        items.OrderBy(item => item.GranteeOid).ThenBy(item => item.GrantorOid).ThenBy(item => (int)item.Granted).ThenBy(item => (int)item.GrantOptions).ToList();

    public static bool SameItems(IReadOnlyList<AccessControlItem> left, IReadOnlyList<AccessControlItem> right) =>
        left.Count == right.Count && left.ToHashSet().SetEquals(right);
}
