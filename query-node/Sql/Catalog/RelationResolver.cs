using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>
/// Resolves the relation names of one statement to catalog names (<see cref="RelationNames"/>), as PostgreSQL's
/// RangeVarGetRelid does: a qualified name is looked up in its schema; an unqualified one along search_path (its
/// schemas that exist, in order; pg_catalog's relations come first, which the binder handles), and is created in the
/// first schema of search_path that exists. Names are resolved before the statement runs (they need reads, and the
/// binder does none) and kept by parse node, so the binder and the executors read them synchronously.
/// </summary>
internal sealed class RelationResolver(SqlCatalog catalog, ITransactionStore store, string? searchPath, string userName)
{
    public const string DefaultSearchPath = "\"$user\", public";

    private readonly Dictionary<RangeVar, string> _resolved = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, bool> _schemaExists = new(StringComparer.Ordinal);
    private List<string>? _path;

    /// <summary>The last search_path read by a statement, parsed: nearly every statement of every session has the same
    /// setting, so the text is split once, not at each statement (an immutable record, replaced whole).</summary>
    private static SearchPathSchemas? _lastSearchPath;

    private sealed record SearchPathSchemas(string? Setting, string UserName, string[] Schemas);

    /// <summary><see cref="ParseSearchPath"/> without repeats, shared (not to be changed by the caller).</summary>
    private static string[] DistinctSearchPath(string? setting, string userName)
    {
        SearchPathSchemas? last = Volatile.Read(ref _lastSearchPath);
        if (last is not null && string.Equals(last.Setting, setting, StringComparison.Ordinal) && string.Equals(last.UserName, userName, StringComparison.Ordinal))
        {
            return last.Schemas;
        }
        string[] schemas = ParseSearchPath(setting, userName).Distinct(StringComparer.Ordinal).ToArray();
        Volatile.Write(ref _lastSearchPath, new SearchPathSchemas(setting, userName, schemas));
        return schemas;
    }

    /// <summary>The search_path's schemas as written ("$user" replaced by the user's name), in order.</summary>
    public static List<string> ParseSearchPath(string? setting, string userName)
    {
        var schemas = new List<string>();
        foreach (string element in SplitList(setting ?? DefaultSearchPath))
        {
            schemas.Add(element == "$user" ? userName : element);
        }
        return schemas;
    }

    /// <summary>A list setting's elements: comma-separated, each an identifier ("quoted" ones keep their case).</summary>
    public static List<string> SplitList(string text)
    {
        var elements = new List<string>();
        int index = 0;
        while (index < text.Length)
        {
            while (index < text.Length && char.IsWhiteSpace(text[index])) index++;
            var element = new global::System.Text.StringBuilder();
            if (index < text.Length && text[index] == '"')
            {
                index++;
                while (index < text.Length)
                {
                    if (text[index] == '"')
                    {
                        if (index + 1 < text.Length && text[index + 1] == '"')
                        {
                            element.Append('"');
                            index += 2;
                            continue;
                        }
                        index++;
                        break;
                    }
                    element.Append(text[index++]);
                }
                while (index < text.Length && text[index] != ',') index++;
            }
            else
            {
                while (index < text.Length && text[index] != ',') element.Append(char.ToLowerInvariant(text[index++]));
            }
            string value = element.ToString().Trim();
            if (value.Length > 0) elements.Add(value);
            index++; // the comma
        }
        return elements;
    }

    /// <summary>search_path as SHOW prints it: each element an identifier, quoted where it needs quotes.</summary>
    public static string Canonical(string setting) =>
        string.Join(", ", SplitList(setting).Select(element => element == "$user" ? "\"$user\"" : Functions.BuiltinFunctions.QuoteIdentifier(element)));

    public async ValueTask<bool> SchemaExistsAsync(string schema, CancellationToken cancellationToken)
    {
        if (!_schemaExists.TryGetValue(schema, out bool exists))
        {
            _schemaExists[schema] = exists = await SqlCatalog.SchemaExistsAsync(store, schema, cancellationToken);
        }
        return exists;
    }

    /// <summary>The schemas of search_path that exist, in order (current_schemas(false)); pg_catalog only where the
    /// path names it.</summary>
    public async ValueTask<IReadOnlyList<string>> PathAsync(CancellationToken cancellationToken)
    {
        if (_path is not null) return _path;
        var path = new List<string>();
        foreach (string schema in DistinctSearchPath(searchPath, userName))
        {
            if (await SchemaExistsAsync(schema, cancellationToken)) path.Add(schema);
        }
        return _path = path;
    }

    /// <summary>The path as read by <see cref="PathAsync"/>, for synchronous readers (current_schema()); null when it
    /// was not read.</summary>
    public IReadOnlyList<string>? LoadedPath => _path;

    /// <summary>
    /// <see cref="ResolveAsync(RangeVar, CancellationToken)"/> for a statement that goes on to read the relation's table
    /// descriptor, which it is given when it was read here. The first unqualified name of a statement reads, in one
    /// round trip (<see cref="ITransactionStore.GetManyAsync"/>), whether the schemas of search_path exist and the
    /// descriptor the name has in each of them: the default path "$user", public names the user's schema, which usually
    /// does not exist, and asking that apart cost every statement a read. Both come from the statement's own snapshot,
    /// so nothing is remembered across statements (see the query node's README on why a cache could go stale). The
    /// descriptor is handed back, not kept, so a statement that changes it reads it afresh.
    /// </summary>
    public async ValueTask<(string Name, bool DescriptorRead, byte[]? Descriptor)> ResolveForReadAsync(RangeVar relation, CancellationToken cancellationToken)
    {
        Dictionary<string, byte[]?>? descriptors = relation.SchemaName is null && _path is null && !_resolved.ContainsKey(relation)
            ? await ReadPathWithDescriptorsAsync(relation.RelationName, cancellationToken)
            : null;
        string name = await ResolveAsync(relation, cancellationToken);
        return descriptors is not null && descriptors.TryGetValue(name, out byte[]? descriptor) ? (name, true, descriptor) : (name, false, null);
    }

    /// <summary>Reads whether the path's schemas exist together with the descriptors <paramref name="relationName"/>
    /// has in each; null (and nothing read) when every schema's existence is already known.</summary>
    private async ValueTask<Dictionary<string, byte[]?>?> ReadPathWithDescriptorsAsync(string relationName, CancellationToken cancellationToken)
    {
        string[] schemas = DistinctSearchPath(searchPath, userName);
        List<string> unknown = schemas.Where(schema => !SqlCatalog.IsBuiltInSchema(schema) && !_schemaExists.ContainsKey(schema)).ToList();
        if (unknown.Count == 0) return null;
        List<string> names = schemas.Where(schema => schema is not (SqlCatalog.CatalogSchema or SqlCatalog.InformationSchema))
            .Select(schema => RelationNames.Compose(schema, relationName)).Distinct(StringComparer.Ordinal).ToList();
        var keys = new List<byte[]>(unknown.Count + names.Count);
        keys.AddRange(unknown.Select(CatalogKeys.SchemaByName));
        keys.AddRange(names.Select(CatalogKeys.DescriptorByName));
        byte[]?[] values = await store.GetManyAsync(keys, cancellationToken);
        for (int index = 0; index < unknown.Count; index++) _schemaExists[unknown[index]] = values[index] is not null;
        var descriptors = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        for (int index = 0; index < names.Count; index++) descriptors[names[index]] = values[unknown.Count + index];
        return descriptors;
    }

    /// <summary>The catalog name of a relation a statement reads or changes. A qualified name in a schema that does
    /// not exist stays unresolved (<see cref="IsSchemaMissing"/>); an unqualified one found nowhere on the path
    /// resolves to a name that does not exist (the name alone when public is on the path, so the error names it so).</summary>
    public async ValueTask<string> ResolveAsync(RangeVar relation, CancellationToken cancellationToken)
    {
        if (_resolved.TryGetValue(relation, out string? resolved)) return resolved;
        if (relation.SchemaName is { } schema)
        {
            resolved = RelationNames.Compose(schema, relation.RelationName);
            if (await SchemaExistsAsync(schema, cancellationToken)) _resolved[relation] = resolved;
            return resolved;
        }
        IReadOnlyList<string> path = await PathAsync(cancellationToken);
        string[] candidates = path.Where(candidate => candidate is not (SqlCatalog.CatalogSchema or SqlCatalog.InformationSchema)).ToArray();
        // With one schema to look in (the usual "$user", public without a schema of the user's name) the relation is
        // there or nowhere: the statement's own lookup finds out, with no read here.
        if (candidates.Length == 1 && path.Count == 1) return _resolved[relation] = RelationNames.Compose(candidates[0], relation.RelationName);
        foreach (string candidate in candidates)
        {
            string name = RelationNames.Compose(candidate, relation.RelationName);
            if (await catalog.AnyRelationExistsAsync(store, name, cancellationToken)) return _resolved[relation] = name;
        }
        string fallback = path.Contains(SqlCatalog.DefaultSchema) || path.Count == 0
            ? relation.RelationName
            : RelationNames.Compose(path[0], relation.RelationName);
        return _resolved[relation] = fallback;
    }

    /// <summary>The catalog name a new relation gets: in its schema (3F000 when that does not exist), or in the first
    /// schema of search_path that exists (3F000 when none does).</summary>
    public async ValueTask<string> ResolveForCreateAsync(RangeVar relation, CancellationToken cancellationToken)
    {
        if (_resolved.TryGetValue(relation, out string? resolved)) return resolved;
        string schema;
        if (relation.SchemaName is { } named)
        {
            if (!await SchemaExistsAsync(named, cancellationToken)) throw SchemaDoesNotExist(named, relation.Location);
            schema = named;
        }
        else
        {
            IReadOnlyList<string> path = await PathAsync(cancellationToken);
            schema = path.Count > 0 ? path[0] : throw new SqlException("3F000", "no schema has been selected to create in", relation.Location + 1);
        }
        if (schema is SqlCatalog.CatalogSchema or SqlCatalog.InformationSchema)
        {
            throw new SqlException("42501", $"permission denied to create \"{schema}.{relation.RelationName}\"", relation.Location + 1,
                detail: "System catalog modifications are currently disallowed.");
        }
        return _resolved[relation] = RelationNames.Compose(schema, relation.RelationName);
    }

    /// <summary>Whether the relation names a schema that does not exist (known once it was resolved).</summary>
    public bool IsSchemaMissing(RangeVar relation) =>
        relation.SchemaName is { } schema && _schemaExists.TryGetValue(schema, out bool exists) && !exists;

    /// <summary>The catalog name resolved for the parse node, or, for one not resolved before the statement ran, its
    /// name composed with its schema (public when unqualified).</summary>
    public string CatalogName(RangeVar relation) =>
        _resolved.TryGetValue(relation, out string? resolved) ? resolved : RelationNames.Compose(relation.SchemaName ?? SqlCatalog.DefaultSchema, relation.RelationName);

    /// <summary>The catalog name of a qualified or unqualified name given as text (nextval('s.seq'), regclass input).</summary>
    public async ValueTask<string> ResolveAsync(string? schema, string name, CancellationToken cancellationToken) =>
        await ResolveAsync(new RangeVar(schema, name, null, 0), cancellationToken);

    public static SqlException SchemaDoesNotExist(string schema, int location) => new("3F000", $"schema \"{schema}\" does not exist", location + 1);
}
