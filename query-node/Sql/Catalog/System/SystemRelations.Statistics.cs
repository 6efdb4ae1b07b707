using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// pg_stat_user_tables and pg_stat_all_tables: a row per user table with PostgreSQL's columns. Log keeps no access
/// statistics, so every counter is 0 and every last_* time is null, as PostgreSQL shows a table its statistics
/// collector has not counted yet; clients (DBeaver's table statistics, monitoring queries) read them by relid.
/// </summary>
internal static partial class SystemRelations
{
    private static readonly string[] TableStatisticsCounters =
    [
        "seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_del", "n_tup_hot_upd",
        "n_live_tup", "n_dead_tup", "n_mod_since_analyze", "n_ins_since_vacuum", "vacuum_count", "autovacuum_count",
        "analyze_count", "autoanalyze_count",
    ];

    private static IEnumerable<object?[]> TableStatisticsRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            var values = new List<(string Column, object? Value)>
            {
                ("relid", ObjectIds.Relation(table.Id)),
                ("schemaname", RelationNames.SchemaOf(table.Name)),
                ("relname", RelationNames.NameOf(table.Name)),
            };
            foreach (string counter in TableStatisticsCounters) values.Add((counter, 0L));
            yield return relation.Row([.. values]);
        }
    }
}
