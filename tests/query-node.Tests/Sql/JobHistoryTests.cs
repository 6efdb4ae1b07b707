using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Tests.Sql;

/// <summary>sys.jobs keeps finished jobs for a bounded time and count, never unfinished ones.</summary>
public sealed class JobHistoryTests
{
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTime Start = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    private static JobDescriptor Job(string id, string status, double hoursAfterStart) =>
        new(id, JobDescriptor.IndexBuildType, status, "public.t", "public." + id, 1, null, 0, null, Start, Start.AddHours(hoursAfterStart));

    [Fact]
    public void Finished_jobs_expire_by_age_and_beyond_the_newest_ones_kept()
    {
        JobDescriptor[] jobs =
        [
            Job("old_completed", JobDescriptor.Completed, 0),
            Job("old_failed", JobDescriptor.Failed, 1),
            Job("old_running", JobDescriptor.Processing, 0),
            Job("recent_cancelled", JobDescriptor.Cancelled, 30),
            Job("recent_completed", JobDescriptor.Completed, 31),
            Job("newest_completed", JobDescriptor.Completed, 32),
        ];
        DateTime now = Start.AddHours(33);
        Assert.Equal(["old_failed", "old_completed"],
            JobHistory.Expired(jobs, now, TimeSpan.FromHours(24), finishedJobsMax: 10).Select(job => job.JobId));
        // Only the two newest finished jobs stay, whatever their age; an unfinished job always stays.
        Assert.Equal(["recent_cancelled", "old_failed", "old_completed"],
            JobHistory.Expired(jobs, now, TimeSpan.FromHours(24), finishedJobsMax: 2).Select(job => job.JobId));
        Assert.Empty(JobHistory.Expired(jobs, Start.AddHours(2), TimeSpan.FromHours(24), finishedJobsMax: 10));
    }

    [Fact]
    public void A_finished_build_removes_the_jobs_sys_jobs_no_longer_keeps()
    {
        var clock = new ManualClock(Start);
        var sql = new SqlHarness { Engine = new SqlEngine { JobTime = clock } };
        sql.Run("create table t (id int primary key, a int, b int)");
        sql.Run("insert into t select g, g, g from generate_series(1, 10) g");
        string first = sql.Scalar("create index async t_a on t (a)");
        Assert.Equal([first + "|completed"], sql.Text("select job_id, status from sys.jobs"));

        clock.Now = Start.AddMinutes(SqlLimits.JobHistoryRetentionMinutes - 1);
        string second = sql.Scalar("create index async t_b on t (b)");
        Assert.Equal([first, second], sql.Text("select job_id from sys.jobs order by job_id"));

        clock.Now = Start.AddMinutes(SqlLimits.JobHistoryRetentionMinutes + 1);
        string third = sql.Scalar("create index async t_ab on t (a, b)");
        Assert.Equal([second, third], sql.Text("select job_id from sys.jobs order by job_id"));
    }
}
