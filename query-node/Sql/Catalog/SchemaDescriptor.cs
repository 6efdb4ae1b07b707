namespace Log.QueryNode.Sql.Catalog;

/// <summary>A user schema (a pg_namespace row): its id, from the table id counter so that its OID is unique among
/// relations and stable, and its owner. public, pg_catalog and information_schema are built in and not stored.</summary>
public sealed record SchemaDescriptor(long Id, string Name, string Owner);
