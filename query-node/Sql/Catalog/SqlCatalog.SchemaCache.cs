using System.Collections.Concurrent;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>
/// Whether the schemas of search_path exist, remembered under the catalog version (<see cref="SqlEngine.CatalogVersion"/>):
/// the default path "$user", public names the user's schema, which usually does not exist, and reading its key was one
/// more catalog read in every statement. An answer is kept and used only by a transaction that began at the current
/// version (the rule cached plans follow), so it is the answer that transaction's own snapshot gives; any DDL moves the
/// version and so retires every answer.
/// </summary>
internal sealed partial class SqlCatalog
{
    private readonly ConcurrentDictionary<string, (long CatalogVersion, bool Exists)> _schemaExistence = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="schema"/> exists as remembered at <paramref name="catalogVersion"/>; false when nothing is.</summary>
    public bool TryGetSchemaExistence(string schema, long catalogVersion, out bool exists)
    {
        exists = false;
        if (!_schemaExistence.TryGetValue(schema, out var known) || known.CatalogVersion != catalogVersion) return false;
        exists = known.Exists;
        return true;
    }

    /// <summary>Remembers what a transaction that began at <paramref name="catalogVersion"/> read.</summary>
    public void RememberSchemaExistence(string schema, long catalogVersion, bool exists)
    {
        // Names come from sessions' settings and users: bound the memory, forgetting everything at once (all of it is
        // one read away).
        if (_schemaExistence.Count >= SqlLimits.SchemaExistenceCacheEntriesMax) _schemaExistence.Clear();
        _schemaExistence[schema] = (catalogVersion, exists);
    }
}
