namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>The relations psql's tab completion reads beside the ones its describe commands read.</summary>
internal static partial class SystemRelations
{
    /// <summary>pg_available_extensions: plpgsql, installed, is the only extension Log has; psql completes CREATE
    /// EXTENSION from the ones not installed, of which there are none.</summary>
    private static IEnumerable<object?[]> AvailableExtensionRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        yield return relation.Row(("name", "plpgsql"), ("default_version", "1.0"), ("installed_version", "1.0"), ("comment", "PL/pgSQL procedural language"));
    }
}
