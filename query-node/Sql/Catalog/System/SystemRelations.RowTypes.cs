namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// pg_type's rows for the row types of tables and views (pg_class.reltype), each with its array type, as PostgreSQL
/// creates them with the relation: a whole-row reference is a value of that type, and clients that list types (DBeaver,
/// pgjdbc's getTypeInfo) see them. Sequences have none, as in PostgreSQL 15.
/// </summary>
internal static partial class SystemRelations
{
    private static IEnumerable<object?[]> RowTypeRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        var relations = catalog.Tables.Select(table => (Oid: ObjectIds.Relation(table.Id), table.Name))
            .Concat(catalog.Views.Select(view => (Oid: ObjectIds.Relation(view.Id), view.Name)));
        foreach ((long oid, string name) in relations)
        {
            foreach (object?[] row in RowTypeAndArrayRows(relation, oid, catalog.NamespaceOid(name), RelationNames.NameOf(name), ObjectIds.RowType(oid),
                         ObjectIds.RowTypeArray(oid)))
            {
                yield return row;
            }
        }
    }

    /// <summary>A relation's row type (typtype 'c', typrelid the relation) and its array type, as heap_create_with_catalog
    /// makes them.</summary>
    private static IEnumerable<object?[]> RowTypeAndArrayRows(SystemRelation relation, long relationOid, long namespaceOid, string typeName,
        long rowType, long arrayType)
    {
        yield return relation.Row(("oid", rowType), ("typname", typeName), ("typnamespace", namespaceOid), ("typowner", ObjectIds.SuperuserRole),
            ("typlen", (short)-1), ("typbyval", false), ("typtype", "c"), ("typcategory", "C"), ("typispreferred", false), ("typisdefined", true),
            ("typdelim", ","), ("typrelid", relationOid), ("typsubscript", Procedure("-")), ("typelem", 0L), ("typarray", arrayType),
            ("typinput", Procedure("record_in")), ("typoutput", Procedure("record_out")), ("typreceive", Procedure("record_recv")),
            ("typsend", Procedure("record_send")), ("typmodin", Procedure("-")), ("typmodout", Procedure("-")), ("typanalyze", Procedure("-")),
            ("typalign", "d"), ("typstorage", "x"), ("typnotnull", false), ("typbasetype", 0L), ("typtypmod", -1), ("typndims", 0), ("typcollation", 0L));
        yield return relation.Row(("oid", arrayType), ("typname", ArrayTypeName(typeName)), ("typnamespace", namespaceOid), ("typowner", ObjectIds.SuperuserRole),
            ("typlen", (short)-1), ("typbyval", false), ("typtype", "b"), ("typcategory", "A"), ("typispreferred", false), ("typisdefined", true),
            ("typdelim", ","), ("typrelid", 0L), ("typsubscript", Procedure("array_subscript_handler")), ("typelem", rowType), ("typarray", 0L),
            ("typinput", Procedure("array_in")), ("typoutput", Procedure("array_out")), ("typreceive", Procedure("array_recv")),
            ("typsend", Procedure("array_send")), ("typmodin", Procedure("-")), ("typmodout", Procedure("-")), ("typanalyze", Procedure("array_typanalyze")),
            ("typalign", "d"), ("typstorage", "x"), ("typnotnull", false), ("typbasetype", 0L), ("typtypmod", -1), ("typndims", 0), ("typcollation", 0L));
    }

    /// <summary>makeArrayTypeName: "_" and the name, cut to the 63 bytes a name holds.</summary>
    private static string ArrayTypeName(string typeName) => Types.Handlers.NameHandler.Truncate("_" + typeName);
}
