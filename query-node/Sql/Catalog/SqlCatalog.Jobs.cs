using System.Buffers;
using Log.QueryNode.Execution;
using MessagePack;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>Job records (sys.jobs) as MessagePack arrays, a format version first, at (0, 40, job id).</summary>
internal sealed partial class SqlCatalog
{
    private const int JobFormatVersion = 1;
    private const int JobFields = 12;

    public static async ValueTask<JobDescriptor?> GetJobAsync(ITransactionStore store, string jobId, CancellationToken cancellationToken)
    {
        byte[]? bytes = await store.GetAsync(CatalogKeys.Job(jobId), cancellationToken);
        return bytes is null ? null : DecodeJob(bytes);
    }

    public static void WriteJob(ITransactionStore store, JobDescriptor job) => store.Put(CatalogKeys.Job(job.JobId), EncodeJob(job));

    public static void DeleteJob(ITransactionStore store, string jobId) => store.Delete(CatalogKeys.Job(jobId));

    public static async ValueTask<List<JobDescriptor>> GetJobsAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        var jobs = new List<JobDescriptor>();
        (byte[] start, byte[] end) = CatalogKeys.JobRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken)) jobs.Add(DecodeJob(entry.Value));
        return jobs;
    }

    private static byte[] EncodeJob(JobDescriptor job)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(JobFields);
        writer.Write(JobFormatVersion);
        writer.Write(job.JobId);
        writer.Write(job.JobType);
        writer.Write(job.Status);
        writer.Write(job.TableName);
        writer.Write(job.ObjectName);
        writer.Write(job.ObjectId);
        if (job.Details is null) writer.WriteNil(); else writer.Write(job.Details);
        writer.Write(job.RowsProcessed);
        if (job.ResumeAfter is null) writer.WriteNil(); else writer.Write(job.ResumeAfter);
        writer.Write(job.StartTimeUtc.Ticks);
        writer.Write(job.UpdateTimeUtc.Ticks);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static JobDescriptor DecodeJob(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        int fields = reader.ReadArrayHeader();
        int version = reader.ReadInt32();
        if (fields < JobFields || version != JobFormatVersion) throw new InvalidOperationException($"unknown job format {version} with {fields} fields");
        return new JobDescriptor(
            JobId: reader.ReadString()!,
            JobType: reader.ReadString()!,
            Status: reader.ReadString()!,
            TableName: reader.ReadString()!,
            ObjectName: reader.ReadString()!,
            ObjectId: reader.ReadInt64(),
            Details: reader.TryReadNil() ? null : reader.ReadString(),
            RowsProcessed: reader.ReadInt64(),
            ResumeAfter: reader.TryReadNil() ? null : reader.ReadBytes()!.Value.ToArray(),
            StartTimeUtc: new DateTime(reader.ReadInt64(), DateTimeKind.Utc),
            UpdateTimeUtc: new DateTime(reader.ReadInt64(), DateTimeKind.Utc));
    }
}
