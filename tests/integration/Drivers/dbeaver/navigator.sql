-- The queries DBeaver's PostgreSQL plugin (plugins/org.jkiss.dbeaver.ext.postgresql, model/*.java) sends
-- through pgjdbc, in the order a user meets them: connect, expand the navigator (databases, schemas, tables,
-- columns, keys, indexes, constraints, views, sequences, roles), open a table's data and DDL tabs, edit a row.
-- Each query is preceded by directives the probe (Drivers/java/DbeaverProbe.java) reads:
--   -- query: NAME                  the name printed with its answer
--   -- from: CLASS.METHOD           where in DBeaver the SQL text comes from
--   -- bind: VALUE VALUE ...        parameters in order: schema (the oid of public), table=NAME (its oid),
--                                   database (the current database's name), text=VALUE, int=VALUE,
--                                   decimal=VALUE (setBigDecimal), timestamp=VALUE (setTimestamp)
--   -- compare: shape               only the column names and types and the row count are compared
--                                   (the answer depends on the server build or on physical sizes)
--   -- vary: COLUMN ...             those columns' values are not compared (only whether they are NULL), with the
--                                   reason on the next line
-- A statement ends at a line ending with ';'.

-- query: connect.current_database
-- from: PostgreDataSource.getAllCatalogs... bootstrap connection
SELECT current_database();

-- query: connect.version
-- from: PostgreDataSource.initialize
-- compare: shape
SELECT version();

-- query: connect.pg_enum_exists
-- from: PostgreDataSource.initialize -> PostgreUtils.isMetaObjectExists
SELECT * FROM pg_catalog.pg_enum WHERE 1<>1 LIMIT 1;

-- query: connect.reltype_exists
-- from: PostgreDataSource.initialize -> PostgreUtils.isMetaObjectExists
SELECT reltype FROM pg_catalog.pg_class WHERE 1<>1 LIMIT 1;

-- query: connect.typcategory_exists
-- from: PostgreDatabase.supportsSysTypCategoryColumn -> PostgreUtils.getQueryForSystemColumnChecking
SELECT typcategory FROM pg_catalog.pg_type WHERE 1<>1 LIMIT 1;

-- query: connect.current_schema
-- from: PostgreExecutionContext.refreshDefaults
SELECT current_schema(),session_user;

-- query: connect.search_path
-- from: PostgreExecutionContext.refreshDefaults
SHOW search_path;

-- query: connect.database
-- from: PostgreDatabase.readDatabaseInfo
-- bind: database
-- vary: oid datcollate datctype
-- (the probe's database on PostgreSQL is a scratch one, with a new OID, and its locale is the reference cluster's
-- initdb choice; Log's database is C, byte order, which is what C.UTF-8 also sorts by)
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=?;

-- query: connect.template_databases
-- from: PostgreDataSource.getTemplateDatabases
SELECT db.datname FROM pg_catalog.pg_database db WHERE datistemplate;

-- query: connect.database_description
-- from: PostgreDatabase.getDescription
-- bind: database
select description from pg_shdescription join pg_database on objoid = pg_database.oid where datname = ?;

-- query: connect.data_types
-- from: PostgreDatabase.cacheDataTypes
SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description
FROM pg_catalog.pg_type t
LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem 
LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid
WHERE t.typname IS NOT NULL
AND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C');

-- query: navigator.schemas
-- from: PostgreDatabase.SchemaCache.prepareLookupStatement
SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass
 ORDER BY nspname;

-- query: navigator.schema_by_name
-- from: PostgreSchema.readSchemaInfo
-- bind: text=public
SELECT s.oid as schema_id
from pg_catalog.pg_namespace s
WHERE s.nspname =?;

-- query: navigator.tables
-- from: PostgreSchema.TableCache.prepareLookupStatement
-- bind: schema
-- vary: reltoastrelid
-- (Log keeps no TOAST tables: a long value is stored in its row, so a table's reltoastrelid is 0)
SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key 
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass
WHERE c.relnamespace=? AND c.relkind not in ('i','I','c');

-- query: navigator.inheritance
-- from: PostgreSchema.loadInheritance
-- bind: schema
SELECT i.inhrelid relid, pc.relnamespace parent_ns, pc.oid parent_oid, i.inhseqno
FROM pg_catalog.pg_inherits i, pg_class rc, pg_class pc
WHERE rc.oid=i.inhrelid AND rc.relnamespace=? AND pc.oid=i.inhparent;

-- query: navigator.columns
-- from: PostgreSchema.TableCache.prepareChildrenStatement
-- bind: schema
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.relnamespace=?
ORDER BY a.attnum;

-- query: navigator.table_columns
-- from: PostgreSchema.TableCache.prepareChildrenStatement (one table)
-- bind: table=orders
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid=?
ORDER BY a.attnum;

-- query: navigator.constraints
-- from: PostgreSchema.ConstraintCache.prepareObjectsStatement
-- bind: schema
SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, case when c.contype='c' then "substring"(pg_get_constraintdef(c.oid), 7) else null end consrc_copy
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_constraint'::regclass
WHERE t.relnamespace=?
ORDER BY c.oid;

-- query: navigator.referencing_namespaces
-- from: PostgreTable.getReferences
-- bind: table=customers
SELECT DISTINCT connamespace FROM pg_catalog.pg_constraint WHERE confrelid=?;

-- query: navigator.indexes
-- from: PostgreSchema.IndexCache.prepareObjectsStatement
-- bind: schema
-- compare: shape
SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr,pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size,pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid
WHERE  c.relnamespace=? ORDER BY c.relname;

-- query: navigator.indexes_without_sizes
-- from: PostgreSchema.IndexCache.prepareObjectsStatement (the same rows, the size columns left out so the rest compares exactly)
-- bind: schema
SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid
WHERE  c.relnamespace=? ORDER BY c.relname;

-- query: navigator.index_definition
-- from: PostgreIndex.getObjectDefinitionText
-- bind: index=orders_customer
SELECT pg_catalog.pg_get_indexdef(?);

-- query: navigator.index_column_expression
-- from: PostgreSchema.IndexCache.fetchObjectRow (expression columns)
-- bind: index=orders_customer int=1
select pg_catalog.pg_get_indexdef(?, ?, true);

-- query: navigator.roles
-- from: PostgreDatabase.RoleCache.prepareObjectsStatement
SELECT a.oid,a.*,pd.description FROM pg_catalog.pg_roles a 
left join pg_catalog.pg_shdescription pd on a.oid = pd.objoid
ORDER BY a.rolname;

-- query: navigator.access_methods
-- from: PostgreDatabase.AccessMethodCache
SELECT am.oid,am.* FROM pg_catalog.pg_am am 
ORDER BY am.oid;

-- query: navigator.settings
-- from: PostgreDataSource.SettingCache (one setting)
-- bind: text=search_path
select * from pg_catalog.pg_settings where name=?;

-- query: navigator.event_triggers
-- from: PostgreDatabase.EventTriggersCache
SELECT pet.*, d.description FROM pg_catalog.pg_event_trigger pet
LEFT OUTER JOIN pg_catalog.pg_description d ON pet."oid" = d.objoid;

-- query: navigator.sequence
-- from: PostgreSequence.loadAdditionalInfo
-- bind: text=public text=order_numbers
SELECT * from pg_catalog.pg_sequences WHERE schemaname=? AND sequencename=?;

-- query: navigator.sequence_state
-- from: PostgreSequence.loadAdditionalInfo (older servers' path, still used for the current value)
SELECT last_value, is_called from public.order_numbers;

-- query: properties.table_statistics
-- from: PostgreTableReal.readTableStatistics
-- bind: table=orders table=orders
-- compare: shape
select pg_catalog.pg_total_relation_size(?) as total_rel_size,pg_catalog.pg_relation_size(?) as rel_size;

-- query: properties.table_inheritance
-- from: PostgreTable.getSuperInheritance
-- bind: table=orders
SELECT i.*,c.relnamespace FROM pg_catalog.pg_inherits i,pg_catalog.pg_class c WHERE i.inhrelid=? AND c.oid=i.inhparent ORDER BY i.inhseqno;

-- query: properties.triggers
-- from: PostgreTableReal.TriggerCache
-- bind: table=orders
SELECT x.oid,x.*,p.pronamespace as func_schema_id,d.description
FROM pg_catalog.pg_trigger x
LEFT OUTER JOIN pg_catalog.pg_proc p ON p.oid=x.tgfoid 
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=x.oid AND d.objsubid=0 
WHERE x.tgrelid = ? AND NOT x.tgisinternal;

-- query: properties.rules
-- from: PostgreTableReal.RuleCache
-- bind: table=orders
-- (DBeaver writes the table's oid into the text; the probe binds it instead)
SELECT r.oid,r.*, pg_get_ruledef(r.oid) AS definition
FROM pg_rewrite r
WHERE r.ev_class=? AND r.rulename <> '_RETURN'::name;

-- query: properties.policies
-- from: PostgreTable.PolicyCache
-- bind: text=public text=orders
select * from pg_catalog.pg_policies where schemaname=? and tablename=?;

-- query: ddl.view_definition
-- from: PostgreViewBase.readDefinition
-- bind: table=big_orders
SELECT pg_get_viewdef(?, true);

-- query: ddl.constraint_definitions
-- from: PostgreTableConstraint DDL (pg_get_constraintdef per constraint)
-- bind: table=orders
SELECT conname, pg_catalog.pg_get_constraintdef(oid, true) FROM pg_catalog.pg_constraint WHERE conrelid=? ORDER BY conname;

-- query: ddl.table_columns
-- from: PostgreTableBase DDL (the columns, defaults and identities of a table with every kind of them)
-- bind: table=gadgets
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid=?
ORDER BY a.attnum;

-- query: ddl.table_constraints
-- from: PostgreTableConstraint DDL (every kind of constraint)
-- bind: table=gadgets
SELECT conname, contype, pg_catalog.pg_get_constraintdef(oid, true) FROM pg_catalog.pg_constraint WHERE conrelid=? ORDER BY conname;

-- query: ddl.table_indexes
-- from: PostgreIndex.getObjectDefinitionText for each index of the table (expression, partial, descending, unique)
-- bind: table=gadgets
SELECT c.relname, pg_catalog.pg_get_indexdef(i.indexrelid), pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,
pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid=? ORDER BY c.relname;

-- query: ddl.identity_sequences
-- from: PostgreTableColumn identity (the sequences behind identity columns)
SELECT pg_catalog.pg_get_serial_sequence('public.gadgets', 'id'), pg_catalog.pg_get_serial_sequence('public.gadgets', 'serial_no');

-- query: ddl.join_view_definition
-- from: PostgreViewBase.readDefinition (a view over a join)
-- bind: table=cheap_gadgets
SELECT pg_get_viewdef(?, true);

-- query: data.read
-- from: the data tab (SQLQueryJob over the table: SELECT * ... LIMIT, rows limited to 200)
SELECT * FROM public.orders
LIMIT 200;

-- query: data.count
-- from: the data tab's row count (ResultSetViewer "calculate total row count")
SELECT COUNT(*) FROM public.orders;

-- query: edit.update
-- from: the data tab's save, as a script (DBeaver's generated UPDATE keyed by the primary key)
UPDATE public.orders
	SET note='edited'
	WHERE id=2;

-- query: edit.read_back
-- from: the data tab after save (refresh of the row)
SELECT * FROM public.orders WHERE id=2;

-- query: edit.update_by_key
-- from: the data tab's save of a table with a primary key (DBeaver's generated UPDATE, with parameters)
-- bind: decimal=7.25 int=1
UPDATE public.gadgets SET price=? WHERE id=?;

-- query: edit.read_back_by_key
-- from: the data tab after save (refresh of the row by its key)
-- bind: int=1
-- vary: created
-- (created defaults to now(): the time each server ran the INSERT)
SELECT * FROM public.gadgets WHERE id=?;

-- query: edit.update_by_old_values
-- from: the data tab's save of a table without a key: every column's old value identifies the row
-- bind: text=edited text=draft timestamp=2024-03-04T05:06:07
UPDATE public.notes SET body=? WHERE body=? AND stamp=?;

-- query: edit.read_back_by_old_values
-- from: the data tab after save
SELECT * FROM public.notes;
