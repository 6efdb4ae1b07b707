namespace Log.QueryNode.Auth;

/// <summary>
/// Which principals may log in as which roles: DSQL's <c>AWS IAM GRANT role TO 'principal'</c> mappings
/// (<c>sys.iam_pg_role_mappings</c>). Asked for every role but admin, whose logins the key's admin permission decides.
/// </summary>
public interface IRoleMappings
{
    ValueTask<bool> IsMappedAsync(string role, string principal, CancellationToken cancellationToken);
}

/// <summary>No mappings: only admin can log in (compositions without a catalog; the server uses <see cref="CatalogRoleMappings"/>).</summary>
public sealed class AdminOnlyRoleMappings : IRoleMappings
{
    public static readonly AdminOnlyRoleMappings Instance = new();

    public ValueTask<bool> IsMappedAsync(string role, string principal, CancellationToken cancellationToken) =>
        ValueTask.FromResult(false);
}
