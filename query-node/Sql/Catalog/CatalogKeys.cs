using Log.QueryNode.Sql.Encoding;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>
/// Where things live in the key space. Everything is a tuple-encoded key whose first element is a table id; table
/// id 0 is the system catalog: (0, 1, name) holds a table's descriptor, (0, 2, id) its name, (0, 3) the table id
/// counter. User tables get ids from FirstUserTableId up, and their rows live at (table id, index id, key...).
/// </summary>
internal static class CatalogKeys
{
    public const long SystemTableId = 0;
    private const long DescriptorByNameSubspace = 1;
    private const long NameByIdSubspace = 2;
    private const long TableIdCounterSubspace = 3;
    private const long SequenceByNameSubspace = 20;
    private const long SequenceStateSubspace = 21;
    private const long ViewByNameSubspace = 22;
    private const long CommentSubspace = 23;
    private const long SchemaByNameSubspace = 24;

    /// <summary>(0, 25, name): a role (pg_authid row); (0, 26, role oid, member oid): a membership (pg_auth_members
    /// row); (0, 27, role oid, principal): an AWS IAM mapping; (0, 28, object oid): an object's privileges (its ACL).</summary>
    private const long RoleByNameSubspace = 25;
    private const long RoleMembershipSubspace = 26;
    private const long IamMappingSubspace = 27;
    private const long PrivilegesSubspace = 28;

    /// <summary>(0, 29, role oid, namespace oid, object type): ALTER DEFAULT PRIVILEGES (a pg_default_acl row).</summary>
    private const long DefaultPrivilegesSubspace = 29;

    /// <summary>(0, 40, job id): background jobs (sys.jobs). 40 leaves room for other catalog objects in between.</summary>
    private const long JobSubspace = 40;

    /// <summary>(0, 8, index name) holds the id of the index's table: index names share the relation namespace, and
    /// DROP INDEX names the index alone. (8 leaves room below for other catalog objects.)</summary>
    private const long TableIdByIndexNameSubspace = 8;

    /// <summary>(0, 50): the counter that gives each query node its node id when it starts (see UniqueIdGenerator).</summary>
    private const long QueryNodeIdCounterSubspace = 50;

    /// <summary>Ids below this are reserved for system tables.</summary>
    public const long FirstUserTableId = 100;

    public static byte[] DescriptorByName(string tableName)
    {
        var encoder = new KeyEncoder(32 + tableName.Length);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(DescriptorByNameSubspace);
        encoder.WriteText(tableName);
        return encoder.ToArray();
    }

    public static byte[] NameById(long tableId)
    {
        var encoder = new KeyEncoder(32);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(NameByIdSubspace);
        encoder.WriteInteger(tableId);
        return encoder.ToArray();
    }

    public static byte[] TableIdCounter()
    {
        var encoder = new KeyEncoder(32);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(TableIdCounterSubspace);
        return encoder.ToArray();
    }

    public static byte[] QueryNodeIdCounter() => SubspacePrefix(QueryNodeIdCounterSubspace);

    /// <summary>Whether a committed write to <paramref name="key"/> may change what a plan is bound against: any
    /// system key but the ones that move without a DDL (sequence state, jobs, the node id counter).</summary>
    public static bool ChangesDefinitions(byte[] key) =>
        key.AsSpan().StartsWith(SystemKeyPrefix)
        && !key.AsSpan().StartsWith(SequenceStateKeyPrefix)
        && !key.AsSpan().StartsWith(JobKeyPrefix)
        && !key.AsSpan().StartsWith(QueryNodeIdCounterKeyPrefix);

    private static readonly byte[] SystemKeyPrefix = SystemTablePrefix();
    private static readonly byte[] SequenceStateKeyPrefix = SubspacePrefix(SequenceStateSubspace);
    private static readonly byte[] JobKeyPrefix = SubspacePrefix(JobSubspace);
    private static readonly byte[] QueryNodeIdCounterKeyPrefix = SubspacePrefix(QueryNodeIdCounterSubspace);

    public static byte[] TableIdByIndexName(string indexName)
    {
        var encoder = new KeyEncoder(32 + indexName.Length);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(TableIdByIndexNameSubspace);
        encoder.WriteText(indexName);
        return encoder.ToArray();
    }

    /// <summary>The start of a secondary index's entries, with room for the key columns to follow.</summary>
    public static KeyEncoder IndexPrefix(long tableId, int indexId, int capacity = 64)
    {
        var encoder = new KeyEncoder(capacity);
        encoder.WriteInteger(tableId);
        encoder.WriteInteger(indexId);
        return encoder;
    }

    /// <summary>The start of a table's primary index, with room for the key columns to follow.</summary>
    public static KeyEncoder PrimaryIndexPrefix(long tableId, int capacity = 64)
    {
        var encoder = new KeyEncoder(capacity);
        encoder.WriteInteger(tableId);
        encoder.WriteInteger(TableDescriptor.PrimaryIndexId);
        return encoder;
    }

    /// <summary>(0, 20, name): a sequence's descriptor (its options), written by DDL in the user's transaction.</summary>
    public static byte[] SequenceByName(string sequenceName) => NamedKey(SequenceByNameSubspace, sequenceName);

    /// <summary>(0, 21, id): a sequence's allocation state (the next value no node has been handed), written only by the
    /// small transactions that hand out blocks of values, so that a user's transaction never conflicts on it.</summary>
    public static byte[] SequenceState(long sequenceId)
    {
        var encoder = new KeyEncoder(32);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(SequenceStateSubspace);
        encoder.WriteInteger(sequenceId);
        return encoder.ToArray();
    }

    /// <summary>(0, 22, name): a view's definition (its query text and column names).</summary>
    public static byte[] ViewByName(string viewName) => NamedKey(ViewByNameSubspace, viewName);

    /// <summary>(0, 23, relation name, column number): a COMMENT ON text (pg_description); column number 0 is the
    /// relation's own comment, else the column's id (a view's column: its position from 1).</summary>
    public static byte[] Comment(string relationName, int columnNumber)
    {
        var encoder = new KeyEncoder(40 + relationName.Length);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(CommentSubspace);
        encoder.WriteText(relationName);
        encoder.WriteInteger(columnNumber);
        return encoder.ToArray();
    }

    /// <summary>The start of every comment on one relation and its columns.</summary>
    public static KeyEncoder CommentPrefix(string relationName)
    {
        var encoder = new KeyEncoder(32 + relationName.Length);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(CommentSubspace);
        encoder.WriteText(relationName);
        return encoder;
    }

    /// <summary>Where every comment starts and ends.</summary>
    public static (byte[] Start, byte[] End) CommentRange() => (SubspacePrefix(CommentSubspace), SubspacePrefix(CommentSubspace + 1));

    /// <summary>The width of an integer in a key (a tag byte and eight bytes): a comment key's column number.</summary>
    public const int IntegerKeyBytes = 9;

    /// <summary>(0, 24, name): a user schema's descriptor (pg_namespace row); public is not stored.</summary>
    public static byte[] SchemaByName(string schemaName) => NamedKey(SchemaByNameSubspace, schemaName);

    /// <summary>Where the schema descriptors start and end.</summary>
    public static (byte[] Start, byte[] End) SchemaByNameRange() => (SubspacePrefix(SchemaByNameSubspace), SubspacePrefix(SchemaByNameSubspace + 1));

    /// <summary>Where the sequence descriptors start; they end where the sequence states start.</summary>
    public static byte[] SequenceByNamePrefix() => SubspacePrefix(SequenceByNameSubspace);

    public static byte[] SequenceStatePrefix() => SubspacePrefix(SequenceStateSubspace);

    /// <summary>Where the table descriptors start and end (the name-by-id entries follow them).</summary>
    public static (byte[] Start, byte[] End) DescriptorByNameRange() => (SubspacePrefix(DescriptorByNameSubspace), SubspacePrefix(NameByIdSubspace));

    /// <summary>Where the view descriptors start and end.</summary>
    public static (byte[] Start, byte[] End) ViewByNameRange() => (SubspacePrefix(ViewByNameSubspace), SubspacePrefix(ViewByNameSubspace + 1));

    public static byte[] RoleByName(string roleName) => NamedKey(RoleByNameSubspace, roleName);

    public static (byte[] Start, byte[] End) RoleByNameRange() => (SubspacePrefix(RoleByNameSubspace), SubspacePrefix(RoleByNameSubspace + 1));

    public static byte[] RoleMembership(long roleOid, long memberOid)
    {
        var encoder = new KeyEncoder(48);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(RoleMembershipSubspace);
        encoder.WriteInteger(roleOid);
        encoder.WriteInteger(memberOid);
        return encoder.ToArray();
    }

    public static (byte[] Start, byte[] End) RoleMembershipRange() => (SubspacePrefix(RoleMembershipSubspace), SubspacePrefix(RoleMembershipSubspace + 1));

    public static byte[] IamMapping(long roleOid, string principal)
    {
        var encoder = new KeyEncoder(48 + principal.Length);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(IamMappingSubspace);
        encoder.WriteInteger(roleOid);
        encoder.WriteText(principal);
        return encoder.ToArray();
    }

    public static (byte[] Start, byte[] End) IamMappingRange() => (SubspacePrefix(IamMappingSubspace), SubspacePrefix(IamMappingSubspace + 1));

    public static byte[] Privileges(long objectOid)
    {
        var encoder = new KeyEncoder(32);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(PrivilegesSubspace);
        encoder.WriteInteger(objectOid);
        return encoder.ToArray();
    }

    public static byte[] DefaultPrivileges(long roleOid, long namespaceOid, char objectType)
    {
        var encoder = new KeyEncoder(48);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(DefaultPrivilegesSubspace);
        encoder.WriteInteger(roleOid);
        encoder.WriteInteger(namespaceOid);
        encoder.WriteInteger(objectType);
        return encoder.ToArray();
    }

    public static (byte[] Start, byte[] End) DefaultPrivilegesRange() =>
        (SubspacePrefix(DefaultPrivilegesSubspace), SubspacePrefix(DefaultPrivilegesSubspace + 1));

    public static (byte[] Start, byte[] End) PrivilegesRange() => (SubspacePrefix(PrivilegesSubspace), SubspacePrefix(PrivilegesSubspace + 1));

    public static byte[] Job(string jobId) => NamedKey(JobSubspace, jobId);

    public static (byte[] Start, byte[] End) JobRange() => (SubspacePrefix(JobSubspace), SubspacePrefix(JobSubspace + 1));

    private static byte[] SystemTablePrefix()
    {
        var encoder = new KeyEncoder(16);
        encoder.WriteInteger(SystemTableId);
        return encoder.ToArray();
    }

    private static byte[] SubspacePrefix(long subspace)
    {
        var encoder = new KeyEncoder(16);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(subspace);
        return encoder.ToArray();
    }

    private static byte[] NamedKey(long subspace, string name)
    {
        var encoder = new KeyEncoder(32 + name.Length);
        encoder.WriteInteger(SystemTableId);
        encoder.WriteInteger(subspace);
        encoder.WriteText(name);
        return encoder.ToArray();
    }
}
