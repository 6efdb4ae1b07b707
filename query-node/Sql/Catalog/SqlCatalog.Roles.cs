using Log.QueryNode.Execution;
using MessagePack;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>Roles, their memberships, their AWS IAM mappings and objects' privileges, stored in the catalog's key space
/// and written in the user's transaction like every other DDL, so they travel through the journal, are durable and
/// are seen by every node. Each value is a MessagePack array; readers skip fields they do not know, so fields may be
/// appended.</summary>
internal sealed partial class SqlCatalog
{
    public static async ValueTask<RoleDescriptor?> GetRoleAsync(ITransactionStore store, string name, CancellationToken cancellationToken)
    {
        byte[]? bytes = await store.GetAsync(CatalogKeys.RoleByName(name), cancellationToken);
        return bytes is null ? null : DecodeRole(bytes);
    }

    public static async ValueTask<List<RoleDescriptor>> GetRolesAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        var roles = new List<RoleDescriptor>();
        (byte[] start, byte[] end) = CatalogKeys.RoleByNameRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken)) roles.Add(DecodeRole(entry.Value));
        roles.Sort((left, right) => left.Oid.CompareTo(right.Oid));
        return roles;
    }

    public static void WriteRole(ITransactionStore store, RoleDescriptor role)
    {
        int flags = (role.Superuser ? 1 : 0) | (role.Inherit ? 2 : 0) | (role.CreateRole ? 4 : 0) | (role.CreateDatabase ? 8 : 0)
            | (role.CanLogin ? 16 : 0) | (role.Replication ? 32 : 0) | (role.BypassRowLevelSecurity ? 64 : 0);
        object? validUntil = role.ValidUntilUtc is { } until ? until.Ticks : null;
        store.Put(CatalogKeys.RoleByName(role.Name), MessagePackSerializer.Serialize(new object?[] { role.Oid, role.Name, flags, role.ConnectionLimit, validUntil }));
    }

    public static void DeleteRole(ITransactionStore store, RoleDescriptor role) => store.Delete(CatalogKeys.RoleByName(role.Name));

    private static RoleDescriptor DecodeRole(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        int fields = reader.ReadArrayHeader();
        if (fields < 5) throw new InvalidOperationException($"role descriptor with {fields} fields");
        long oid = reader.ReadInt64();
        string name = reader.ReadString()!;
        int flags = reader.ReadInt32();
        int connectionLimit = reader.ReadInt32();
        DateTime? validUntil = reader.TryReadNil() ? null : new DateTime(reader.ReadInt64(), DateTimeKind.Utc);
        for (int extra = 5; extra < fields; extra++) reader.Skip();
        return new RoleDescriptor(oid, name)
        {
            Superuser = (flags & 1) != 0, Inherit = (flags & 2) != 0, CreateRole = (flags & 4) != 0, CreateDatabase = (flags & 8) != 0,
            CanLogin = (flags & 16) != 0, Replication = (flags & 32) != 0, BypassRowLevelSecurity = (flags & 64) != 0,
            ConnectionLimit = connectionLimit, ValidUntilUtc = validUntil,
        };
    }

    public static async ValueTask<List<RoleMembership>> GetRoleMembershipsAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        var memberships = new List<RoleMembership>();
        (byte[] start, byte[] end) = CatalogKeys.RoleMembershipRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken))
        {
            var reader = new MessagePackReader(entry.Value);
            int fields = reader.ReadArrayHeader();
            var membership = new RoleMembership(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadBoolean());
            for (int extra = 4; extra < fields; extra++) reader.Skip();
            memberships.Add(membership);
        }
        return memberships;
    }

    public static void WriteRoleMembership(ITransactionStore store, RoleMembership membership) =>
        store.Put(CatalogKeys.RoleMembership(membership.RoleOid, membership.MemberOid),
            MessagePackSerializer.Serialize(new object[] { membership.RoleOid, membership.MemberOid, membership.GrantorOid, membership.AdminOption }));

    public static void DeleteRoleMembership(ITransactionStore store, long roleOid, long memberOid) => store.Delete(CatalogKeys.RoleMembership(roleOid, memberOid));

    public static async ValueTask<List<IamMapping>> GetIamMappingsAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        var mappings = new List<IamMapping>();
        (byte[] start, byte[] end) = CatalogKeys.IamMappingRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken)) mappings.Add(DecodeIamMapping(entry.Value));
        mappings.Sort((left, right) => left.IamOid.CompareTo(right.IamOid));
        return mappings;
    }

    public static async ValueTask<IamMapping?> GetIamMappingAsync(ITransactionStore store, long roleOid, string principal, CancellationToken cancellationToken)
    {
        byte[]? bytes = await store.GetAsync(CatalogKeys.IamMapping(roleOid, principal), cancellationToken);
        return bytes is null ? null : DecodeIamMapping(bytes);
    }

    public static void WriteIamMapping(ITransactionStore store, IamMapping mapping) =>
        store.Put(CatalogKeys.IamMapping(mapping.RoleOid, mapping.Principal),
            MessagePackSerializer.Serialize(new object[] { mapping.IamOid, mapping.RoleOid, mapping.Principal, mapping.GrantorOid }));

    public static void DeleteIamMapping(ITransactionStore store, long roleOid, string principal) => store.Delete(CatalogKeys.IamMapping(roleOid, principal));

    private static IamMapping DecodeIamMapping(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        int fields = reader.ReadArrayHeader();
        var mapping = new IamMapping(reader.ReadInt64(), reader.ReadInt64(), reader.ReadString()!, reader.ReadInt64());
        for (int extra = 4; extra < fields; extra++) reader.Skip();
        return mapping;
    }

    /// <summary>Whether a login as <paramref name="roleName"/> by the IAM principal <paramref name="principal"/> is
    /// authorised: admin by any principal its key allows, any other role only through an AWS IAM GRANT mapping, as in
    /// DSQL. Read in the caller's transaction, so a login and each new transaction see the mappings committed before them.</summary>
    public async ValueTask<bool> IsPrincipalMappedToAsync(ITransactionStore store, string roleName, string principal, CancellationToken cancellationToken)
    {
        if (roleName == Authorization.AdminRoleName) return true;
        RoleDescriptor? role = await GetRoleAsync(store, roleName, cancellationToken);
        return role is not null && await store.GetAsync(CatalogKeys.IamMapping(role.Oid, principal), cancellationToken) is not null;
    }

    public static async ValueTask<ObjectPrivileges> GetPrivilegesAsync(ITransactionStore store, long objectOid, CancellationToken cancellationToken)
    {
        byte[]? bytes = await store.GetAsync(CatalogKeys.Privileges(objectOid), cancellationToken);
        return bytes is null ? ObjectPrivileges.Default : DecodePrivileges(bytes);
    }

    /// <summary>Every object's privileges by OID (relacl, attacl and nspacl for the catalogs).</summary>
    public static async ValueTask<Dictionary<long, ObjectPrivileges>> GetAllPrivilegesAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        var all = new Dictionary<long, ObjectPrivileges>();
        (byte[] start, byte[] end) = CatalogKeys.PrivilegesRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken))
        {
            var reader = new MessagePackReader(entry.Value);
            reader.ReadArrayHeader();
            long oid = reader.ReadInt64();
            all[oid] = DecodePrivileges(entry.Value);
        }
        return all;
    }

    public static void WritePrivileges(ITransactionStore store, long objectOid, ObjectPrivileges privileges)
    {
        if (privileges.Items is null && privileges.Columns.Count == 0 && privileges.OwnerOid == 0)
        {
            store.Delete(CatalogKeys.Privileges(objectOid));
            return;
        }
        object?[]? items = privileges.Items?.Select(EncodeItem).ToArray();
        object[] columns = privileges.Columns.Select(column => (object)new object[] { column.Key, column.Value.Select(EncodeItem).ToArray() }).ToArray();
        store.Put(CatalogKeys.Privileges(objectOid), MessagePackSerializer.Serialize(new object?[] { objectOid, items, columns, privileges.OwnerOid }));
    }

    public static void DeletePrivileges(ITransactionStore store, long objectOid) => store.Delete(CatalogKeys.Privileges(objectOid));

    private static object EncodeItem(AccessControlItem item) => new object[] { item.GranteeOid, item.GrantorOid, (int)item.Granted, (int)item.GrantOptions };

    private static ObjectPrivileges DecodePrivileges(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        int fields = reader.ReadArrayHeader();
        if (fields < 4) throw new InvalidOperationException($"privileges with {fields} fields");
        reader.ReadInt64();
        List<AccessControlItem>? items = reader.TryReadNil() ? null : ReadItems(ref reader);
        var columns = new Dictionary<int, IReadOnlyList<AccessControlItem>>();
        int columnCount = reader.ReadArrayHeader();
        for (int index = 0; index < columnCount; index++)
        {
            reader.ReadArrayHeader();
            int columnId = reader.ReadInt32();
            columns[columnId] = ReadItems(ref reader);
        }
        long ownerOid = reader.ReadInt64();
        for (int extra = 4; extra < fields; extra++) reader.Skip();
        return new ObjectPrivileges(items, columns) { OwnerOid = ownerOid };
    }

    /// <summary>Every ALTER DEFAULT PRIVILEGES entry (pg_default_acl), by role, namespace and object type.</summary>
    public static async ValueTask<List<DefaultPrivileges>> GetDefaultPrivilegesAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        var entries = new List<DefaultPrivileges>();
        (byte[] start, byte[] end) = CatalogKeys.DefaultPrivilegesRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken))
        {
            var reader = new MessagePackReader(entry.Value);
            int fields = reader.ReadArrayHeader();
            if (fields < 5) throw new InvalidOperationException($"default privileges with {fields} fields");
            long oid = reader.ReadInt64();
            long roleOid = reader.ReadInt64();
            long namespaceOid = reader.ReadInt64();
            char objectType = (char)reader.ReadInt32();
            List<AccessControlItem> items = ReadItems(ref reader);
            for (int extra = 5; extra < fields; extra++) reader.Skip();
            entries.Add(new DefaultPrivileges(oid, roleOid, namespaceOid, objectType, items));
        }
        return entries;
    }

    public static void WriteDefaultPrivileges(ITransactionStore store, DefaultPrivileges entry) =>
        store.Put(CatalogKeys.DefaultPrivileges(entry.RoleOid, entry.NamespaceOid, entry.ObjectType),
            MessagePackSerializer.Serialize(new object[] { entry.Oid, entry.RoleOid, entry.NamespaceOid, (int)entry.ObjectType, entry.Items.Select(EncodeItem).ToArray() }));

    public static void DeleteDefaultPrivileges(ITransactionStore store, DefaultPrivileges entry) =>
        store.Delete(CatalogKeys.DefaultPrivileges(entry.RoleOid, entry.NamespaceOid, entry.ObjectType));

    private static List<AccessControlItem> ReadItems(ref MessagePackReader reader)
    {
        int count = reader.ReadArrayHeader();
        var items = new List<AccessControlItem>(count);
        for (int index = 0; index < count; index++)
        {
            reader.ReadArrayHeader();
            items.Add(new AccessControlItem(reader.ReadInt64(), reader.ReadInt64(), (Privileges)reader.ReadInt32(), (Privileges)reader.ReadInt32()));
        }
        return items;
    }
}
