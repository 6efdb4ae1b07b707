using Log.QueryNode.Sql.Catalog.System;

namespace Log.QueryNode.Sql.Types;

/// <summary>What the reg* types (regclass, regrole) read to turn a name into an oid and back: the statement's catalog
/// snapshot, once loaded (null before, or where no catalog may be read), and the session's user name.</summary>
internal interface IObjectNames
{
    CatalogSnapshot? CatalogSnapshot { get; }

    string UserName { get; }
}
