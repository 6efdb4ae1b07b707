using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// The column lists of the pg_catalog relations Log serves, as PostgreSQL 15 defines them (names, order and types),
/// with each relation's fixed oid and relkind. Types Log does not have yet are text: pg_node_tree, xid, inet and anyarray.
/// </summary>
internal static class PgCatalogColumns
{
    private static readonly SqlType Oid = new(TypeKind.Oid);
    private static readonly SqlType Name = new(TypeKind.Name);
    private static readonly SqlType Char = new(TypeKind.Char);
    private static readonly SqlType RegProc = new(TypeKind.RegProc);
    private static readonly SqlType RegType = new(TypeKind.RegType);
    private static readonly SqlType Bool = SqlType.Bool;
    private static readonly SqlType Int2 = SqlType.Int2;
    private static readonly SqlType Int4 = SqlType.Int4;
    private static readonly SqlType Int8 = SqlType.Int8;
    private static readonly SqlType Float4 = SqlType.Float4;
    private static readonly SqlType Text = SqlType.Text;
    private static readonly SqlType Bytea = SqlType.Bytea;
    private static readonly SqlType TimestampTz = SqlType.TimestampTz;
    private static readonly SqlType AclItems = SqlType.ArrayOf(new SqlType(TypeKind.AclItem));
    private static readonly SqlType Texts = SqlType.ArrayOf(Text);
    private static readonly SqlType Oids = SqlType.ArrayOf(Oid);
    private static readonly SqlType Int2s = SqlType.ArrayOf(Int2);
    private static readonly SqlType Chars = SqlType.ArrayOf(Char);
    private static readonly SqlType Int2Vector = new(TypeKind.Int2Vector);
    private static readonly SqlType OidVector = new(TypeKind.OidVector);
    private static readonly SqlType Xid = new(TypeKind.Xid);
    private static readonly SqlType NodeTree = new(TypeKind.PgNodeTree);
    private static readonly SqlType AnyArray = new(TypeKind.AnyArray);

    public static readonly IReadOnlyList<SystemRelationShape> All =
    [
        new("pg_tablespace", 1213, 'r', [("oid", Oid), ("spcname", Name), ("spcowner", Oid), ("spcacl", AclItems), ("spcoptions", Texts)]),
        new("pg_type", 1247, 'r', [("oid", Oid), ("typname", Name), ("typnamespace", Oid), ("typowner", Oid), ("typlen", Int2), ("typbyval", Bool), ("typtype", Char), ("typcategory", Char), ("typispreferred", Bool), ("typisdefined", Bool), ("typdelim", Char), ("typrelid", Oid), ("typsubscript", RegProc), ("typelem", Oid), ("typarray", Oid), ("typinput", RegProc), ("typoutput", RegProc), ("typreceive", RegProc), ("typsend", RegProc), ("typmodin", RegProc), ("typmodout", RegProc), ("typanalyze", RegProc), ("typalign", Char), ("typstorage", Char), ("typnotnull", Bool), ("typbasetype", Oid), ("typtypmod", Int4), ("typndims", Int4), ("typcollation", Oid), ("typdefaultbin", NodeTree), ("typdefault", Text), ("typacl", AclItems)]),
        new("pg_attribute", 1249, 'r', [("attrelid", Oid), ("attname", Name), ("atttypid", Oid), ("attstattarget", Int4), ("attlen", Int2), ("attnum", Int2), ("attndims", Int4), ("attcacheoff", Int4), ("atttypmod", Int4), ("attbyval", Bool), ("attalign", Char), ("attstorage", Char), ("attcompression", Char), ("attnotnull", Bool), ("atthasdef", Bool), ("atthasmissing", Bool), ("attidentity", Char), ("attgenerated", Char), ("attisdropped", Bool), ("attislocal", Bool), ("attinhcount", Int4), ("attcollation", Oid), ("attacl", AclItems), ("attoptions", Texts), ("attfdwoptions", Texts), ("attmissingval", AnyArray)]),
        new("pg_proc", 1255, 'r', [("oid", Oid), ("proname", Name), ("pronamespace", Oid), ("proowner", Oid), ("prolang", Oid), ("procost", Float4), ("prorows", Float4), ("provariadic", Oid), ("prosupport", RegProc), ("prokind", Char), ("prosecdef", Bool), ("proleakproof", Bool), ("proisstrict", Bool), ("proretset", Bool), ("provolatile", Char), ("proparallel", Char), ("pronargs", Int2), ("pronargdefaults", Int2), ("prorettype", Oid), ("proargtypes", OidVector), ("proallargtypes", Oids), ("proargmodes", Chars), ("proargnames", Texts), ("proargdefaults", NodeTree), ("protrftypes", Oids), ("prosrc", Text), ("probin", Text), ("prosqlbody", NodeTree), ("proconfig", Texts), ("proacl", AclItems)]),
        new("pg_class", 1259, 'r', [("oid", Oid), ("relname", Name), ("relnamespace", Oid), ("reltype", Oid), ("reloftype", Oid), ("relowner", Oid), ("relam", Oid), ("relfilenode", Oid), ("reltablespace", Oid), ("relpages", Int4), ("reltuples", Float4), ("relallvisible", Int4), ("reltoastrelid", Oid), ("relhasindex", Bool), ("relisshared", Bool), ("relpersistence", Char), ("relkind", Char), ("relnatts", Int2), ("relchecks", Int2), ("relhasrules", Bool), ("relhastriggers", Bool), ("relhassubclass", Bool), ("relrowsecurity", Bool), ("relforcerowsecurity", Bool), ("relispopulated", Bool), ("relreplident", Char), ("relispartition", Bool), ("relrewrite", Oid), ("relfrozenxid", Xid), ("relminmxid", Xid), ("relacl", AclItems), ("reloptions", Texts), ("relpartbound", NodeTree)]),
        new("pg_authid", 1260, 'r', [("oid", Oid), ("rolname", Name), ("rolsuper", Bool), ("rolinherit", Bool), ("rolcreaterole", Bool), ("rolcreatedb", Bool), ("rolcanlogin", Bool), ("rolreplication", Bool), ("rolbypassrls", Bool), ("rolconnlimit", Int4), ("rolpassword", Text), ("rolvaliduntil", TimestampTz)]),
        new("pg_auth_members", 1261, 'r', [("roleid", Oid), ("member", Oid), ("grantor", Oid), ("admin_option", Bool)]),
        new("pg_database", 1262, 'r', [("oid", Oid), ("datname", Name), ("datdba", Oid), ("encoding", Int4), ("datlocprovider", Char), ("datistemplate", Bool), ("datallowconn", Bool), ("datconnlimit", Int4), ("datfrozenxid", Xid), ("datminmxid", Xid), ("dattablespace", Oid), ("datcollate", Text), ("datctype", Text), ("daticulocale", Text), ("datcollversion", Text), ("datacl", AclItems)]),
        new("pg_foreign_server", 1417, 'r', [("oid", Oid), ("srvname", Name), ("srvowner", Oid), ("srvfdw", Oid), ("srvtype", Text), ("srvversion", Text), ("srvacl", AclItems), ("srvoptions", Texts)]),
        new("pg_user_mapping", 1418, 'r', [("oid", Oid), ("umuser", Oid), ("umserver", Oid), ("umoptions", Texts)]),
        new("pg_sequence", 2224, 'r', [("seqrelid", Oid), ("seqtypid", Oid), ("seqstart", Int8), ("seqincrement", Int8), ("seqmax", Int8), ("seqmin", Int8), ("seqcache", Int8), ("seqcycle", Bool)]),
        new("pg_foreign_data_wrapper", 2328, 'r', [("oid", Oid), ("fdwname", Name), ("fdwowner", Oid), ("fdwhandler", Oid), ("fdwvalidator", Oid), ("fdwacl", AclItems), ("fdwoptions", Texts)]),
        new("pg_shdescription", 2396, 'r', [("objoid", Oid), ("classoid", Oid), ("description", Text)]),
        new("pg_am", 2601, 'r', [("oid", Oid), ("amname", Name), ("amhandler", RegProc), ("amtype", Char)]),
        new("pg_attrdef", 2604, 'r', [("oid", Oid), ("adrelid", Oid), ("adnum", Int2), ("adbin", NodeTree)]),
        new("pg_cast", 2605, 'r', [("oid", Oid), ("castsource", Oid), ("casttarget", Oid), ("castfunc", Oid), ("castcontext", Char), ("castmethod", Char)]),
        new("pg_constraint", 2606, 'r', [("oid", Oid), ("conname", Name), ("connamespace", Oid), ("contype", Char), ("condeferrable", Bool), ("condeferred", Bool), ("convalidated", Bool), ("conrelid", Oid), ("contypid", Oid), ("conindid", Oid), ("conparentid", Oid), ("confrelid", Oid), ("confupdtype", Char), ("confdeltype", Char), ("confmatchtype", Char), ("conislocal", Bool), ("coninhcount", Int4), ("connoinherit", Bool), ("conkey", Int2s), ("confkey", Int2s), ("conpfeqop", Oids), ("conppeqop", Oids), ("conffeqop", Oids), ("confdelsetcols", Int2s), ("conexclop", Oids), ("conbin", NodeTree)]),
        new("pg_depend", 2608, 'r', [("classid", Oid), ("objid", Oid), ("objsubid", Int4), ("refclassid", Oid), ("refobjid", Oid), ("refobjsubid", Int4), ("deptype", Char)]),
        new("pg_description", 2609, 'r', [("objoid", Oid), ("classoid", Oid), ("objsubid", Int4), ("description", Text)]),
        new("pg_index", 2610, 'r', [("indexrelid", Oid), ("indrelid", Oid), ("indnatts", Int2), ("indnkeyatts", Int2), ("indisunique", Bool), ("indnullsnotdistinct", Bool), ("indisprimary", Bool), ("indisexclusion", Bool), ("indimmediate", Bool), ("indisclustered", Bool), ("indisvalid", Bool), ("indcheckxmin", Bool), ("indisready", Bool), ("indislive", Bool), ("indisreplident", Bool), ("indkey", Int2Vector), ("indcollation", OidVector), ("indclass", OidVector), ("indoption", Int2Vector), ("indexprs", NodeTree), ("indpred", NodeTree)]),
        new("pg_conversion", 2607, 'r', [("oid", Oid), ("conname", Name), ("connamespace", Oid), ("conowner", Oid), ("conforencoding", Int4), ("contoencoding", Int4), ("conproc", RegProc), ("condefault", Bool)]),
        new("pg_inherits", 2611, 'r', [("inhrelid", Oid), ("inhparent", Oid), ("inhseqno", Int4), ("inhdetachpending", Bool)]),
        new("pg_language", 2612, 'r', [("oid", Oid), ("lanname", Name), ("lanowner", Oid), ("lanispl", Bool), ("lanpltrusted", Bool), ("lanplcallfoid", Oid), ("laninline", Oid), ("lanvalidator", Oid), ("lanacl", AclItems)]),
        new("pg_namespace", 2615, 'r', [("oid", Oid), ("nspname", Name), ("nspowner", Oid), ("nspacl", AclItems)]),
        new("pg_opclass", 2616, 'r', [("oid", Oid), ("opcmethod", Oid), ("opcname", Name), ("opcnamespace", Oid), ("opcowner", Oid), ("opcfamily", Oid), ("opcintype", Oid), ("opcdefault", Bool), ("opckeytype", Oid)]),
        new("pg_operator", 2617, 'r', [("oid", Oid), ("oprname", Name), ("oprnamespace", Oid), ("oprowner", Oid), ("oprkind", Char), ("oprcanmerge", Bool), ("oprcanhash", Bool), ("oprleft", Oid), ("oprright", Oid), ("oprresult", Oid), ("oprcom", Oid), ("oprnegate", Oid), ("oprcode", RegProc), ("oprrest", RegProc), ("oprjoin", RegProc)]),
        new("pg_rewrite", 2618, 'r', [("oid", Oid), ("rulename", Name), ("ev_class", Oid), ("ev_type", Char), ("ev_enabled", Char), ("is_instead", Bool), ("ev_qual", NodeTree), ("ev_action", NodeTree)]),
        new("pg_trigger", 2620, 'r', [("oid", Oid), ("tgrelid", Oid), ("tgparentid", Oid), ("tgname", Name), ("tgfoid", Oid), ("tgtype", Int2), ("tgenabled", Char), ("tgisinternal", Bool), ("tgconstrrelid", Oid), ("tgconstrindid", Oid), ("tgconstraint", Oid), ("tgdeferrable", Bool), ("tginitdeferred", Bool), ("tgnargs", Int2), ("tgattr", Int2Vector), ("tgargs", Bytea), ("tgqual", NodeTree), ("tgoldtable", Name), ("tgnewtable", Name)]),
        new("pg_opfamily", 2753, 'r', [("oid", Oid), ("opfmethod", Oid), ("opfname", Name), ("opfnamespace", Oid), ("opfowner", Oid)]),
        new("pg_extension", 3079, 'r', [("oid", Oid), ("extname", Name), ("extowner", Oid), ("extnamespace", Oid), ("extrelocatable", Bool), ("extversion", Text), ("extconfig", Oids), ("extcondition", Texts)]),
        new("pg_foreign_table", 3118, 'r', [("ftrelid", Oid), ("ftserver", Oid), ("ftoptions", Texts)]),
        new("pg_policy", 3256, 'r', [("oid", Oid), ("polname", Name), ("polrelid", Oid), ("polcmd", Char), ("polpermissive", Bool), ("polroles", SqlType.ArrayOf(Oid)), ("polqual", NodeTree), ("polwithcheck", NodeTree)]),
        new("pg_statistic_ext", 3381, 'r', [("oid", Oid), ("stxrelid", Oid), ("stxname", Name), ("stxnamespace", Oid), ("stxowner", Oid), ("stxstattarget", Int4), ("stxkeys", Int2Vector), ("stxkind", SqlType.ArrayOf(Char)), ("stxexprs", NodeTree)]),
        new("pg_collation", 3456, 'r', [("oid", Oid), ("collname", Name), ("collnamespace", Oid), ("collowner", Oid), ("collprovider", Char), ("collisdeterministic", Bool), ("collencoding", Int4), ("collcollate", Text), ("collctype", Text), ("colliculocale", Text), ("collversion", Text)]),
        new("pg_event_trigger", 3466, 'r', [("oid", Oid), ("evtname", Name), ("evtevent", Name), ("evtowner", Oid), ("evtfoid", Oid), ("evtenabled", Char), ("evttags", Texts)]),
        new("pg_enum", 3501, 'r', [("oid", Oid), ("enumtypid", Oid), ("enumsortorder", Float4), ("enumlabel", Name)]),
        new("pg_range", 3541, 'r', [("rngtypid", Oid), ("rngsubtype", Oid), ("rngmultitypid", Oid), ("rngcollation", Oid), ("rngsubopc", Oid), ("rngcanonical", RegProc), ("rngsubdiff", RegProc)]),
        new("pg_publication", 6104, 'r', [("oid", Oid), ("pubname", Name), ("pubowner", Oid), ("puballtables", Bool), ("pubinsert", Bool), ("pubupdate", Bool), ("pubdelete", Bool), ("pubtruncate", Bool), ("pubviaroot", Bool)]),
        new("pg_publication_rel", 6106, 'r', [("oid", Oid), ("prpubid", Oid), ("prrelid", Oid), ("prqual", Text), ("prattrs", SqlType.ArrayOf(Int2))]),
        new("pg_publication_namespace", 6237, 'r', [("oid", Oid), ("pnpubid", Oid), ("pnnspid", Oid)]),
        new("pg_roles", 12000, 'v', [("rolname", Name), ("rolsuper", Bool), ("rolinherit", Bool), ("rolcreaterole", Bool), ("rolcreatedb", Bool), ("rolcanlogin", Bool), ("rolreplication", Bool), ("rolconnlimit", Int4), ("rolpassword", Text), ("rolvaliduntil", TimestampTz), ("rolbypassrls", Bool), ("rolconfig", Texts), ("oid", Oid)]),
        new("pg_user", 12014, 'v', [("usename", Name), ("usesysid", Oid), ("usecreatedb", Bool), ("usesuper", Bool), ("userepl", Bool), ("usebypassrls", Bool), ("passwd", Text), ("valuntil", TimestampTz), ("useconfig", Texts)]),
        new("pg_policies", 12018, 'v', [("schemaname", Name), ("tablename", Name), ("policyname", Name), ("permissive", Text), ("roles", SqlType.ArrayOf(Name)), ("cmd", Text), ("qual", Text), ("with_check", Text)]),
        new("pg_views", 12028, 'v', [("schemaname", Name), ("viewname", Name), ("viewowner", Name), ("definition", Text)]),
        new("pg_tables", 12033, 'v', [("schemaname", Name), ("tablename", Name), ("tableowner", Name), ("tablespace", Name), ("hasindexes", Bool), ("hasrules", Bool), ("hastriggers", Bool), ("rowsecurity", Bool)]),
        new("pg_matviews", 12038, 'v', [("schemaname", Name), ("matviewname", Name), ("matviewowner", Name), ("tablespace", Name), ("hasindexes", Bool), ("ispopulated", Bool), ("definition", Text)]),
        new("pg_indexes", 12043, 'v', [("schemaname", Name), ("tablename", Name), ("indexname", Name), ("tablespace", Name), ("indexdef", Text)]),
        new("pg_sequences", 12048, 'v', [("schemaname", Name), ("sequencename", Name), ("sequenceowner", Name), ("data_type", RegType), ("start_value", Int8), ("min_value", Int8), ("max_value", Int8), ("increment_by", Int8), ("cycle", Bool), ("cache_size", Int8), ("last_value", Int8)]),
        new("pg_user_mappings", 12327, 'v', [("umid", Oid), ("srvid", Oid), ("srvname", Name), ("umuser", Oid), ("usename", Name), ("umoptions", Texts)]),
        new("pg_available_extensions", 12081, 'v', [("name", Name), ("default_version", Text), ("installed_version", Text), ("comment", Text)]),
        new("pg_locks", 12073, 'v', [("locktype", Text), ("database", Oid), ("relation", Oid), ("page", Int4), ("tuple", Int2), ("virtualxid", Text), ("transactionid", Text), ("classid", Oid), ("objid", Oid), ("objsubid", Int2), ("virtualtransaction", Text), ("pid", Int4), ("mode", Text), ("granted", Bool), ("fastpath", Bool), ("waitstart", TimestampTz)]),
        new("pg_settings", 12104, 'v', [("name", Text), ("setting", Text), ("unit", Text), ("category", Text), ("short_desc", Text), ("extra_desc", Text), ("context", Text), ("vartype", Text), ("source", Text), ("min_val", Text), ("max_val", Text), ("enumvals", Texts), ("boot_val", Text), ("reset_val", Text), ("sourcefile", Text), ("sourceline", Int4), ("pending_restart", Bool)]),
        new("pg_stat_all_tables", 12142, 'v', [("relid", Oid), ("schemaname", Name), ("relname", Name), ("seq_scan", Int8), ("seq_tup_read", Int8), ("idx_scan", Int8), ("idx_tup_fetch", Int8), ("n_tup_ins", Int8), ("n_tup_upd", Int8), ("n_tup_del", Int8), ("n_tup_hot_upd", Int8), ("n_live_tup", Int8), ("n_dead_tup", Int8), ("n_mod_since_analyze", Int8), ("n_ins_since_vacuum", Int8), ("last_vacuum", TimestampTz), ("last_autovacuum", TimestampTz), ("last_analyze", TimestampTz), ("last_autoanalyze", TimestampTz), ("vacuum_count", Int8), ("autovacuum_count", Int8), ("analyze_count", Int8), ("autoanalyze_count", Int8)]),
        new("pg_stat_user_tables", 12161, 'v', [("relid", Oid), ("schemaname", Name), ("relname", Name), ("seq_scan", Int8), ("seq_tup_read", Int8), ("idx_scan", Int8), ("idx_tup_fetch", Int8), ("n_tup_ins", Int8), ("n_tup_upd", Int8), ("n_tup_del", Int8), ("n_tup_hot_upd", Int8), ("n_live_tup", Int8), ("n_dead_tup", Int8), ("n_mod_since_analyze", Int8), ("n_ins_since_vacuum", Int8), ("last_vacuum", TimestampTz), ("last_autovacuum", TimestampTz), ("last_analyze", TimestampTz), ("last_autoanalyze", TimestampTz), ("vacuum_count", Int8), ("autovacuum_count", Int8), ("analyze_count", Int8), ("autoanalyze_count", Int8)]),
        new("pg_stat_activity", 12222, 'v', [("datid", Oid), ("datname", Name), ("pid", Int4), ("leader_pid", Int4), ("usesysid", Oid), ("usename", Name), ("application_name", Text), ("client_addr", Text), ("client_hostname", Text), ("client_port", Int4), ("backend_start", TimestampTz), ("xact_start", TimestampTz), ("query_start", TimestampTz), ("state_change", TimestampTz), ("wait_event_type", Text), ("wait_event", Text), ("state", Text), ("backend_xid", Text), ("backend_xmin", Text), ("query_id", Int8), ("query", Text), ("backend_type", Text)]),
    ];
}

/// <summary>A pg_catalog relation's name, oid, relkind and columns.</summary>
internal sealed record SystemRelationShape(string Name, long Oid, char Kind, IReadOnlyList<(string Name, SqlType Type)> Columns);
