using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Log.Journal.Node.Storage;

/// <summary>
/// The FASTER log device of one partition: its segment files (<c>batches.log.N</c>), written so
/// that a durable write costs one data write and nothing else.
///
/// Why: a write that appends to a file, or lands on blocks the file system has not yet written,
/// changes metadata (the file size, the extent map), and making it durable costs a journal commit
/// on top of the data. Overwriting blocks that already hold zeros changes no metadata, so a write
/// to a file opened with O_DSYNC is durable when it returns, after one device write. (O_DSYNC, not
/// the O_SYNC that .NET's write-through gives: O_SYNC also makes each new modification time
/// durable, a journal commit again.) This device keeps a zero-filled region ahead of the log's
/// tail, grown in the background as the log grows (as PostgreSQL fills WAL segments with zeros
/// before using them), so that commits land on prepared blocks. Writes go through the page cache,
/// so that consumers reading what was just written read memory.
///
/// How it writes: synchronously, on the thread that issues the write, and the completion callback
/// runs on that thread before <see cref="WriteAsync"/> returns; no thread hand-off lies between a
/// commit and its acknowledgement. A caller that holds a lock while it asks FASTER to flush uses
/// <see cref="DeferWrites"/>: writes issued inside are queued and done when the scope ends,
/// outside the lock. Writes are done one at a time, in the order they were issued. FASTER's reads
/// go to the thread pool; <see cref="Read"/> reads on the caller's thread.
///
/// Why it is safe: zeros are written only past every data write (a data write that reaches into a
/// region being prepared waits for it), so preparation never overwrites data. A crash leaves zeros
/// past the tail, which <see cref="LogTailRecovery"/> reads as the end of the log, as it does the
/// end of a file.
/// </summary>
public sealed unsafe partial class PreparedLogDevice : StorageDeviceBase
{
    /// <summary>FASTER aligns writes and reads to this.</summary>
    public const uint SectorBytes = 512;

    /// <summary>The prepared region is kept at least this far ahead of the tail...</summary>
    private const long MinimumAheadBytes = 256 * 1024;

    /// <summary>...and at most this far (it grows with the segment's size, so that a partition
    /// that holds a few records does not take megabytes of zeros).</summary>
    private const long MaximumAheadBytes = 16 * 1024 * 1024;

    private const int ZeroChunkBytes = 1024 * 1024;

    /// <summary>What preparation writes, shared by every device (never written to).</summary>
    private static readonly byte[] Zeros = new byte[ZeroChunkBytes];

    private readonly ConcurrentDictionary<int, Segment> segments = new();
    private readonly object queueGate = new();
    private readonly Queue<PendingWrite> queue = new();
    private bool draining;
    private int disposed;

    [ThreadStatic]
    private static PreparedLogDevice? deferring;

    private readonly record struct PendingWrite(IntPtr Source, int Segment, long Offset, uint Length, DeviceIOCompletionCallback Callback, object Context);

    /// <summary>Called after every write, once FASTER's completion callback has run, with the
    /// write's error code (0: durable).</summary>
    public Action<uint>? WriteCompleted { get; set; }

    public PreparedLogDevice(string fileName)
        : base(fileName, SectorBytes, Devices.CAPACITY_UNSPECIFIED)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(fileName))!);
        RecoverSegmentRange();
    }

    private string SegmentPath(int segment) => GetSegmentFilename(FileName, segment);

    private void RecoverSegmentRange()
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(FileName))!;
        var prefix = Path.GetFileName(FileName) + ".";
        var ids = new List<int>();
        foreach (var path in Directory.EnumerateFiles(folder, prefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(path).AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }
        if (ids.Count > 0)
        {
            ids.Sort();
            // The contiguous run that ends at the newest segment.
            var start = ids.Count - 1;
            while (start > 0 && ids[start - 1] == ids[start] - 1)
            {
                start--;
            }
            startSegment = ids[start];
            endSegment = ids[^1];
        }
    }

    /// <summary>Writes issued by this thread until the scope ends are queued, then done when it
    /// ends (or by another thread that is already writing).</summary>
    public DeferredWrites DeferWrites()
    {
        deferring = this;
        return new DeferredWrites(this);
    }

    public readonly struct DeferredWrites(PreparedLogDevice device) : IDisposable
    {
        public void Dispose()
        {
            deferring = null;
            device.Drain();
        }
    }

    public override void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
    {
        lock (queueGate)
        {
            queue.Enqueue(new PendingWrite(sourceAddress, segmentId, (long)destinationAddress, numBytesToWrite, callback, context));
        }
        if (deferring != this)
        {
            Drain();
        }
    }

    /// <summary>Does every queued write, in order, unless another thread is doing so (it then
    /// does ours too: it stops only when the queue is empty).</summary>
    private void Drain()
    {
        lock (queueGate)
        {
            if (draining)
            {
                return;
            }
            draining = true;
        }
        while (true)
        {
            PendingWrite write;
            lock (queueGate)
            {
                if (!queue.TryDequeue(out write))
                {
                    draining = false;
                    return;
                }
            }
            Perform(write);
        }
    }

    private void Perform(PendingWrite write)
    {
        uint error = 0;
        Segment? segment = null;
        try
        {
            segment = Open(write.Segment);
            segment.WriteData(new ReadOnlySpan<byte>((void*)write.Source, (int)write.Length), write.Offset);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            error = ErrorCodeOf(exception);
        }
        write.Callback(error, error == 0 ? write.Length : 0, write.Context);
        WriteCompleted?.Invoke(error);
        if (error == 0)
        {
            segment?.PrepareAheadIfNeeded();
        }
    }

    private static uint ErrorCodeOf(Exception exception)
    {
        var code = exception.HResult & 0xFFFF;
        return code != 0 ? (uint)code : uint.MaxValue;
    }

    /// <summary>Reads log bytes that a write has returned for, on this thread. Throws
    /// <see cref="FileNotFoundException"/> for a segment that was removed (or never written) and
    /// <see cref="EndOfStreamException"/> past the end of the file.</summary>
    public void Read(long logicalAddress, Span<byte> destination)
    {
        var segmentId = (int)(logicalAddress / SegmentSize);
        var position = logicalAddress % SegmentSize;
        if (!segments.TryGetValue(segmentId, out var segment))
        {
            if (!File.Exists(SegmentPath(segmentId)))
            {
                throw new FileNotFoundException("The log segment is not there", SegmentPath(segmentId));
            }
            segment = Open(segmentId);
        }
        var total = 0;
        while (total < destination.Length)
        {
            var read = RandomAccess.Read(segment.ReadHandle, destination[total..], position + total);
            if (read == 0)
            {
                throw new EndOfStreamException($"log address {logicalAddress + total} is past the end of its segment");
            }
            total += read;
        }
    }

    public override void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength, DeviceIOCompletionCallback callback, object context)
    {
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            uint error = 0;
            var total = 0;
            try
            {
                var segment = Open(segmentId);
                var destination = new Span<byte>((void*)destinationAddress, (int)readLength);
                while (total < destination.Length)
                {
                    var read = RandomAccess.Read(segment.ReadHandle, destination[total..], (long)sourceAddress + total);
                    if (read == 0)
                    {
                        break;
                    }
                    total += read;
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                error = ErrorCodeOf(exception);
                total = 0;
            }
            callback(error, (uint)total, context);
        }, null);
    }

    public override void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result)
    {
        RemoveSegment(segment);
        callback(result);
    }

    public override void RemoveSegment(int segment)
    {
        if (segments.TryRemove(segment, out var removed))
        {
            removed.Dispose();
        }
        try
        {
            File.Delete(SegmentPath(segment));
        }
        catch (IOException)
        {
            // Left for the next removal; FASTER never reads below its begin address.
        }
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        foreach (var segment in segments.Values)
        {
            segment.Dispose();
        }
        segments.Clear();
    }

    private Segment Open(int id)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (segments.TryGetValue(id, out var segment))
        {
            return segment;
        }
        lock (segments)
        {
            return segments.GetOrAdd(id, key => new Segment(this, SegmentPath(key)));
        }
    }

    // open(2) flags: .NET maps FileOptions.WriteThrough to O_SYNC, so data files are opened here.
    private const int OpenReadWrite = 0x2;
    private const int OpenCreate = 0x40;
    private const int OpenDataSync = 0x1000;
    private const int OpenCloseOnExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags, int mode);

    private static SafeFileHandle OpenSynchronous(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.WriteThrough);
        }
        const int flags = OpenReadWrite | OpenCreate | OpenCloseOnExec | OpenDataSync;
        var descriptor = OpenNative(path, flags, Convert.ToInt32("644", 8));
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open {path}: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
        }
        return new SafeFileHandle(descriptor, ownsHandle: true);
    }

    /// <summary>One segment file: a synchronous write handle, a buffered read handle, and how
    /// far the file is prepared (every byte below <see cref="prepared"/> is allocated and written,
    /// with zeros or data, and durable).</summary>
    private sealed class Segment : IDisposable
    {
        private readonly PreparedLogDevice device;
        private readonly SafeFileHandle writeHandle;
        private readonly object gate = new();
        private long prepared;
        private long written;
        private bool preparing;

        public SafeFileHandle ReadHandle { get; }

        public Segment(PreparedLogDevice device, string path)
        {
            this.device = device;
            writeHandle = OpenSynchronous(path);
            try
            {
                ReadHandle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                // What a previous run left (data, then zeros) is durable: LogTailRecovery made it so.
                prepared = RandomAccess.GetLength(writeHandle) / SectorBytes * SectorBytes;
            }
            catch
            {
                writeHandle.Dispose();
                throw;
            }
        }

        public void WriteData(ReadOnlySpan<byte> data, long offset)
        {
            var end = offset + data.Length;
            lock (gate)
            {
                while (preparing && end > prepared)
                {
                    Monitor.Wait(gate);
                }
            }
            RandomAccess.Write(writeHandle, data, offset);
            lock (gate)
            {
                written = Math.Max(written, end);
                // A write past the prepared region extended the file; O_DSYNC made its size durable.
                prepared = Math.Max(prepared, end);
            }
        }

        /// <summary>Starts zero-filling past the prepared region when the tail comes near it.</summary>
        public void PrepareAheadIfNeeded()
        {
            long from, until;
            lock (gate)
            {
                var ahead = Math.Clamp(written, MinimumAheadBytes, MaximumAheadBytes);
                var limit = device.SegmentSize > 0 ? device.SegmentSize : long.MaxValue;
                if (preparing || prepared - written >= ahead / 2 || prepared >= limit)
                {
                    return;
                }
                preparing = true;
                from = prepared;
                until = Math.Min(limit, written + ahead);
            }
            ThreadPool.UnsafeQueueUserWorkItem(_ => Prepare(from, until), null);
        }

        private void Prepare(long from, long until)
        {
            try
            {
                var position = from;
                while (position < until)
                {
                    var length = (int)Math.Min(ZeroChunkBytes, until - position);
                    RandomAccess.Write(writeHandle, Zeros.AsSpan(0, length), position);
                    position += length;
                    lock (gate)
                    {
                        prepared = Math.Max(prepared, position);
                        Monitor.PulseAll(gate);
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException)
            {
                // Preparation is an optimisation: data writes past the prepared region still work.
            }
            finally
            {
                lock (gate)
                {
                    preparing = false;
                    Monitor.PulseAll(gate);
                }
            }
        }

        public void Dispose()
        {
            lock (gate)
            {
                while (preparing)
                {
                    Monitor.Wait(gate);
                }
            }
            writeHandle.Dispose();
            ReadHandle.Dispose();
        }
    }
}
