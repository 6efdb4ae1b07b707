using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Auth;

/// <summary>
/// The mappings <c>AWS IAM GRANT role TO 'principal'</c> stores in the catalog, read in a read-only transaction of
/// their own at each login. Attached to the engine's transactions once the engine is built (the authenticator is made
/// before it); until then, and for a role that does not exist, nothing is mapped.
/// </summary>
public sealed class CatalogRoleMappings : IRoleMappings
{
    private ISeparateTransactions? transactions;

    public void Attach(ISeparateTransactions separateTransactions) =>
        transactions = separateTransactions ?? throw new ArgumentNullException(nameof(separateTransactions));

    public async ValueTask<bool> IsMappedAsync(string role, string principal, CancellationToken cancellationToken)
    {
        if (transactions is null) return false;
        return await transactions.RunAsync(async store =>
            await SqlCatalog.GetRoleAsync(store, role, cancellationToken) is { } stored
            && await SqlCatalog.GetIamMappingAsync(store, stored.Oid, principal, cancellationToken) is not null, cancellationToken);
    }
}
