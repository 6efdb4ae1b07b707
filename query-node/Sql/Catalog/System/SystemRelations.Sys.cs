using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// Aurora DSQL's sys schema: sys.jobs, one row per background job (index builds), with DSQL's column names. It is
/// reached only by its qualified name, as DSQL's is (sys is not on the search path). A running job's details say how
/// many rows it has read so far; a failed one's say why.
/// </summary>
internal static partial class SystemRelations
{
    public const string SysSchema = "sys";

    /// <summary>PostgreSQL's pg_class OID, the class_id of a job whose object is an index.</summary>
    private const long PgClassOid = 1259;

    private static readonly SystemRelation Jobs = new(new SystemRelationShape("jobs", 8_400_001, 'v',
    [
        ("job_id", SqlType.Text), ("status", SqlType.Text), ("details", SqlType.Text), ("job_type", SqlType.Text),
        ("class_id", new SqlType(TypeKind.Oid)), ("object_id", new SqlType(TypeKind.Oid)), ("object_name", SqlType.Text),
        ("start_time", SqlType.TimestampTz), ("update_time", SqlType.TimestampTz),
    ]), SysSchema, JobRows);

    private static SystemRelation? ResolveSys(string name) => name == Jobs.Name ? Jobs : name == IamRoleMappings.Name ? IamRoleMappings : null;

    private static IEnumerable<object?[]> JobRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (JobDescriptor job in catalog.Jobs.OrderBy(job => job.StartTimeUtc).ThenBy(job => job.JobId, StringComparer.Ordinal))
        {
            string? details = job.Details ?? (job.Status is JobDescriptor.Processing or JobDescriptor.Completed ? $"{job.RowsProcessed} rows processed" : null);
            yield return relation.Row(("job_id", job.JobId), ("status", job.Status), ("details", details), ("job_type", job.JobType),
                ("class_id", PgClassOid), ("object_id", job.ObjectId), ("object_name", $"{RelationNames.SchemaOf(job.ObjectName)}.{RelationNames.NameOf(job.ObjectName)}"),
                ("start_time", job.StartTimeUtc), ("update_time", job.UpdateTimeUtc));
        }
    }
}
