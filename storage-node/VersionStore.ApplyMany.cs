using Log.Journal.Records;
using Session = FASTER.core.ClientSession<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty, FASTER.core.IFunctions<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty>>;

namespace Log.StorageNode;

/// <summary>
/// A commit's writes applied on two FASTER sessions at once. The writes of one commit name distinct keys (the apply
/// loop keeps a key's last write only), so no two of them touch the same head or version record and they may be applied
/// in any order. The apply loop's thread takes slices of the commit from a shared counter, and so does one thread-pool
/// work item; the loop returns once every slice is applied, before anything looks at the outcomes (the ordered index,
/// the resolved timestamp). A work item that has not started by then gives up, so a loaded thread pool only costs the
/// time the loop would have taken alone.
/// </summary>
internal sealed partial class VersionStore
{
    /// <summary>Writers: the apply loop's session and one more.</summary>
    private const int ApplyLaneCount = 2;

    /// <summary>A commit with fewer writes is applied on the apply loop's session alone (the hand-over costs more).</summary>
    internal const int ParallelApplyWritesMin = 256;

    /// <summary>Writes taken at a time, each slice under one hold of FASTER's epoch.</summary>
    private const int ApplySliceWrites = 64;

    /// <summary>One writer's session and the buffers its writes are built in.</summary>
    private sealed class ApplyLane(Session session)
    {
        public readonly Session Session = session;
        public byte[] Keys = new byte[128];
        public byte[] Payload = new byte[256];
    }

    /// <summary>Applies <paramref name="writes"/> (distinct keys) at <paramref name="commitTimestamp"/>: the outcome of
    /// write i and the address of its new head into <paramref name="outcomes"/>[i] and <paramref name="headAddresses"/>[i].
    /// Single caller at a time (the apply loop).</summary>
    public void ApplyMany(IReadOnlyList<JournalWrite> writes, ulong commitTimestamp, ApplyOutcome[] outcomes, long[] headAddresses)
    {
        if (writes.Count < ParallelApplyWritesMin)
        {
            ApplySlice(applyLanes[0], writes, 0, writes.Count, commitTimestamp, outcomes, headAddresses);
            return;
        }
        var batch = new ParallelBatch(this, writes, commitTimestamp, outcomes, headAddresses);
        ThreadPool.UnsafeQueueUserWorkItem(batch, preferLocal: false);
        try
        {
            batch.Run(applyLanes[0]);
        }
        finally
        {
            batch.WaitForSecondWriter();
        }
        batch.ThrowIfSecondWriterFailed();
    }

    private void ApplySlice(ApplyLane lane, IReadOnlyList<JournalWrite> writes, int from, int until, ulong commitTimestamp,
        ApplyOutcome[] outcomes, long[] headAddresses)
    {
        var context = lane.Session.UnsafeContext;
        context.BeginUnsafe();
        try
        {
            for (var index = from; index < until; index++)
            {
                var write = writes[index];
                outcomes[index] = Apply(context, lane, write.Key, commitTimestamp, write.Value, out headAddresses[index]);
            }
        }
        finally
        {
            context.EndUnsafe();
        }
    }

    /// <summary>One commit's writes shared by the apply loop and a second writer on the thread pool.</summary>
    private sealed class ParallelBatch(VersionStore store, IReadOnlyList<JournalWrite> writes, ulong commitTimestamp,
        ApplyOutcome[] outcomes, long[] headAddresses) : IThreadPoolWorkItem
    {
        private const int NotStarted = 0, Running = 1, Done = 2, Abandoned = 3;

        private int nextSlice;
        private int secondWriter;
        private Exception? secondWriterFailure;
        private readonly ManualResetEventSlim secondWriterDone = new(initialState: false);

        /// <summary>The second writer: takes slices on the second session, unless the loop has finished them all already.</summary>
        public void Execute()
        {
            if (Interlocked.CompareExchange(ref secondWriter, Running, NotStarted) != NotStarted)
            {
                return;
            }
            try
            {
                Run(store.applyLanes[1]);
            }
            catch (Exception exception)
            {
                secondWriterFailure = exception;
            }
            finally
            {
                Volatile.Write(ref secondWriter, Done);
                secondWriterDone.Set();
            }
        }

        /// <summary>Applies slices on <paramref name="lane"/> until none is left.</summary>
        public void Run(ApplyLane lane)
        {
            int from;
            while ((from = Interlocked.Add(ref nextSlice, ApplySliceWrites) - ApplySliceWrites) < writes.Count)
            {
                var until = Math.Min(from + ApplySliceWrites, writes.Count);
                store.ApplySlice(lane, writes, from, until, commitTimestamp, outcomes, headAddresses);
            }
        }

        /// <summary>Returns once the second writer has applied its slices, or at once when it will never start.</summary>
        public void WaitForSecondWriter()
        {
            if (Interlocked.CompareExchange(ref secondWriter, Abandoned, NotStarted) != NotStarted)
            {
                secondWriterDone.Wait();
            }
            secondWriterDone.Dispose();
        }

        /// <summary>Throws what the second writer threw (after <see cref="WaitForSecondWriter"/>).</summary>
        public void ThrowIfSecondWriterFailed()
        {
            if (secondWriterFailure is { } failure)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
    }
}
