using FASTER.core;

namespace Log.StorageNode;

/// <summary>
/// FASTER's log device, with the log chunks of the recovered checkpoint checked against the SHA-256 its manifest
/// recorded the first time anything reads them: FASTER's recovery (the pages it loads and the fuzzy region it replays
/// into its hash index), a cold read, a scan, compaction, or the next checkpoint's checksums. So a start checks what it
/// reads, not the whole log below the checkpoint (at 10,000,000 rows, 2.8 GB hashed before the first query).
/// <para>
/// A read that touches a chunk not yet checked waits for the check (on the thread pool, once per chunk, whoever asks
/// first) and is then passed on. A chunk that fails marks the device corrupt before the read's bytes are handed to
/// FASTER: every read the store completes after that point fails with <see cref="InvalidDataException"/> (the read
/// functions and the scans look at <see cref="Corruption"/>), so bytes of a damaged chunk never reach a caller.
/// FASTER ignores a device's error code on a record read and would decode whatever the buffer holds, so failing the
/// I/O itself would be worse than delivering the bytes and refusing them.
/// </para>
/// <para>
/// Writes are passed on unchecked: FASTER writes at its tail, above the recovered checkpoint's final address, or the
/// page holding that address, which recovery loaded (and so checked) first. The chunks a write touches are noted
/// (<see cref="TakeWrittenChunks"/>): FASTER's recovery writes back the pages where it marked the records of the
/// version after the checkpoint invalid, which changes bytes below the final address, so the recovery brings the
/// manifests' checksums of those chunks up to date, or the next recovery of the same checkpoint would refuse it.
/// </para>
/// <para>
/// Bytes below a checkpoint's final address are kept as they are once its checksums are taken
/// (<see cref="PreserveBelowAsync"/>): FASTER flushes a partly filled page from the start of the sector holding its
/// flushed address, so the next flush after a checkpoint writes the last sector below the final address again, from
/// memory, where the record headers' lock, sealed and dirty bits may differ from the disk's (a recovery clears them on
/// every page it loads; a reader holds a record's shared lock for a moment). FASTER ignores those bits in what it reads
/// back, but the checksum does not: such a write gets the bytes below the boundary from the disk instead.
/// </para>
/// </summary>
internal sealed class VerifiedLogDevice : IDevice
{
    private readonly IDevice inner;
    private readonly string storeDirectory;
    private readonly int segmentSizeBits;
    private readonly LogRangeChecksum[] chunks;
    private readonly Task<string?>?[] checks;
    private readonly Action<LogRangeChecksum, string>? corrupted;
    private string? corruption;
    private readonly HashSet<int> writtenChunks = [];
    /// <summary>Writes passed on and not completed yet, by number (for <see cref="PreserveBelowAsync"/>).</summary>
    private readonly Dictionary<long, long> writesInFlight = [];
    private long writeCount;
    /// <summary>The address below which writes keep the disk's bytes (only grows).</summary>
    private long preservedUntil;
    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the first read (0 before it), and the time spent
    /// checking chunks: a start's log says how much of FASTER's recovery was reading its index and how much the log.</summary>
    private long firstReadTimestamp;
    private long checkTicks;

    /// <param name="storeDirectory">The store's folder (the log's segment files are under its log folder).</param>
    /// <param name="chunks">The recovered manifest's log chunks, contiguous and in address order.</param>
    /// <param name="corrupted">Called once, with the chunk and the reason, when the first chunk fails its check.</param>
    public VerifiedLogDevice(IDevice inner, string storeDirectory, int segmentSizeBits, IReadOnlyList<LogRangeChecksum> chunks, Action<LogRangeChecksum, string>? corrupted)
    {
        this.inner = inner;
        this.storeDirectory = storeDirectory;
        this.segmentSizeBits = segmentSizeBits;
        this.chunks = [.. chunks];
        checks = new Task<string?>?[this.chunks.Length];
        this.corrupted = corrupted;
    }

    /// <summary>Why the log is corrupt (the first chunk that failed its check), or null while every chunk checked passed.</summary>
    public string? Corruption => Volatile.Read(ref corruption);

    /// <summary>Chunks checked so far (passed or not).</summary>
    public int CheckedChunkCount => checks.Count(check => check is { IsCompleted: true });

    /// <summary>Chunks the recovered checkpoint recorded.</summary>
    public int ChunkCount => chunks.Length;

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the first read of the log, or 0 before it.</summary>
    public long FirstReadTimestamp => Volatile.Read(ref firstReadTimestamp);

    /// <summary>Time spent computing chunk checksums so far (summed over the threads that did).</summary>
    public TimeSpan CheckTime => System.Diagnostics.Stopwatch.GetElapsedTime(0, Volatile.Read(ref checkTicks));

    /// <summary>Checks every chunk overlapping [<paramref name="from"/>, <paramref name="until"/>) that is not checked yet,
    /// waiting on the calling thread; throws <see cref="InvalidDataException"/> when the log is corrupt.</summary>
    public void Verify(long from, long until)
    {
        var pending = ChecksOverlapping(from, until);
        if (pending is not null)
        {
            Task.WaitAll(pending);
        }
        ThrowIfCorrupt();
    }

    /// <summary>Throws <see cref="InvalidDataException"/> when a chunk failed its check.</summary>
    public void ThrowIfCorrupt()
    {
        if (Corruption is { } reason)
        {
            throw new InvalidDataException($"Storage is corrupt: {reason}.");
        }
    }

    /// <summary>The checks of the chunks overlapping the range that are not known to have passed (started now when
    /// needed), or null when there are none.</summary>
    private Task<string?>[]? ChecksOverlapping(long from, long until)
    {
        if (chunks.Length == 0 || until <= chunks[0].From || from >= chunks[^1].Until)
        {
            return null;
        }
        List<Task<string?>>? pending = null;
        for (var index = FirstChunkEndingAfter(from); index < chunks.Length && chunks[index].From < until; index++)
        {
            var check = Volatile.Read(ref checks[index]) ?? StartCheck(index);
            if (!check.IsCompletedSuccessfully || check.Result is not null)
            {
                (pending ??= []).Add(check);
            }
        }
        return pending?.ToArray();
    }

    /// <summary>The first chunk whose end is above <paramref name="address"/> (binary search: chunks are in order).</summary>
    private int FirstChunkEndingAfter(long address)
    {
        int low = 0, high = chunks.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (chunks[middle].Until <= address)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    private Task<string?> StartCheck(int index)
    {
        var check = new Task<string?>(() => Check(chunks[index]));
        var existing = Interlocked.CompareExchange(ref checks[index], check, null);
        if (existing is not null)
        {
            return existing;
        }
        check.Start(TaskScheduler.Default);
        return check;
    }

    /// <summary>Null when the chunk's bytes match their checksum, else why not (the device is then marked corrupt).</summary>
    private string? Check(LogRangeChecksum chunk)
    {
        string? problem;
        var began = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var hash = VersionStore.HashLogRange(storeDirectory, segmentSizeBits, chunk.From, chunk.Until);
            problem = hash is null ? $"the log is shorter than address {chunk.Until}"
                : Convert.ToHexStringLower(hash) != chunk.Sha256 ? $"the log between addresses {chunk.From} and {chunk.Until} fails the checksum its checkpoint recorded"
                : null;
        }
        catch (IOException exception)
        {
            problem = $"the log between addresses {chunk.From} and {chunk.Until} cannot be read: {exception.Message}";
        }
        Interlocked.Add(ref checkTicks, System.Diagnostics.Stopwatch.GetTimestamp() - began);
        if (problem is not null && Interlocked.CompareExchange(ref corruption, problem, null) is null)
        {
            corrupted?.Invoke(chunk, problem);
        }
        return problem;
    }

    public void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength, DeviceIOCompletionCallback callback, object context)
    {
        long address = ((long)segmentId << segmentSizeBits) + (long)sourceAddress;
        if (Volatile.Read(ref firstReadTimestamp) == 0)
        {
            Interlocked.CompareExchange(ref firstReadTimestamp, System.Diagnostics.Stopwatch.GetTimestamp(), 0);
        }
        var pending = ChecksOverlapping(address, address + readLength);
        if (pending is null)
        {
            inner.ReadAsync(segmentId, sourceAddress, destinationAddress, readLength, callback, context);
            return;
        }
        // The read goes on once the check ends, whatever it found: a failed check has marked the device corrupt by then.
        Task.WhenAll(pending).ContinueWith(_ => inner.ReadAsync(segmentId, sourceAddress, destinationAddress, readLength, callback, context),
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    public void ReadAsync(ulong alignedSourceAddress, IntPtr alignedDestinationAddress, uint aligned_read_length, DeviceIOCompletionCallback callback, object context)
    {
        var segment = (int)(alignedSourceAddress >> segmentSizeBits);
        var offset = alignedSourceAddress & ((1UL << segmentSizeBits) - 1);
        ReadAsync(segment, offset, alignedDestinationAddress, aligned_read_length, callback, context);
    }

    public uint SectorSize => inner.SectorSize;
    public string FileName => inner.FileName;
    public long Capacity => inner.Capacity;
    public long SegmentSize => inner.SegmentSize;
    public int StartSegment => inner.StartSegment;
    public int EndSegment => inner.EndSegment;

    public int ThrottleLimit
    {
        get => inner.ThrottleLimit;
        set => inner.ThrottleLimit = value;
    }

    public void Initialize(long segmentSize, LightEpoch? epoch = null, bool omitSegmentIdFromFilename = false)
    {
        if (segmentSize != 1L << segmentSizeBits)
        {
            throw new InvalidOperationException($"FASTER's log segments are {segmentSize} bytes, the checksums assume {1L << segmentSizeBits}.");
        }
        inner.Initialize(segmentSize, epoch, omitSegmentIdFromFilename);
    }

    public bool TryComplete() => inner.TryComplete();
    public bool Throttle() => inner.Throttle();

    public void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
    {
        long address = ((long)segmentId << segmentSizeBits) + (long)destinationAddress;
        long number, preserved;
        lock (writesInFlight)
        {
            number = ++writeCount;
            writesInFlight.Add(number, address);
            preserved = preservedUntil;
        }
        var copy = address < preserved ? CopyKeepingDiskBytes(sourceAddress, address, numBytesToWrite, (int)Math.Min(preserved - address, numBytesToWrite)) : IntPtr.Zero;
        var changedFrom = copy == IntPtr.Zero ? address : Math.Min(preserved, address + numBytesToWrite);
        NoteWrite(changedFrom, (uint)(address + numBytesToWrite - changedFrom));
        inner.WriteAsync(copy == IntPtr.Zero ? sourceAddress : copy, segmentId, destinationAddress, numBytesToWrite, (errorCode, numBytes, state) =>
        {
            if (copy != IntPtr.Zero)
            {
                FreeCopy(copy);
            }
            lock (writesInFlight)
            {
                writesInFlight.Remove(number);
            }
            callback(errorCode, numBytes, state);
        }, context);
    }

    public void WriteAsync(IntPtr alignedSourceAddress, ulong alignedDestinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
    {
        var segment = (int)(alignedDestinationAddress >> segmentSizeBits);
        var offset = alignedDestinationAddress & ((1UL << segmentSizeBits) - 1);
        WriteAsync(alignedSourceAddress, segment, offset, numBytesToWrite, callback, context);
    }

    /// <summary>
    /// From now on no write changes the bytes below <paramref name="address"/> (a checkpoint's final address): a write
    /// that starts below it is passed on with those bytes as the disk holds them. Completes once every write that was
    /// under way when called has completed, so the disk's bytes below the address are the ones that stay.
    /// </summary>
    public async Task PreserveBelowAsync(long address, CancellationToken cancellationToken)
    {
        long[] underWay;
        lock (writesInFlight)
        {
            preservedUntil = Math.Max(preservedUntil, address);
            underWay = [.. writesInFlight.Where(write => write.Value < address).Select(write => write.Key)];
        }
        while (underWay.Length > 0)
        {
            lock (writesInFlight)
            {
                underWay = [.. underWay.Where(writesInFlight.ContainsKey)];
            }
            if (underWay.Length > 0)
            {
                await Task.Delay(WriteDrainPollMilliseconds, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>How often <see cref="PreserveBelowAsync"/> looks whether the writes it waits for have completed.</summary>
    private const int WriteDrainPollMilliseconds = 1;

    /// <summary>A copy of FASTER's <paramref name="length"/> bytes at <paramref name="source"/>, bound for
    /// <paramref name="address"/>, whose first <paramref name="keptBytes"/> are the disk's (aligned as FASTER aligns
    /// its own buffers: the device may write unbuffered); freed with <see cref="FreeCopy"/>. Zero when the disk's bytes
    /// cannot be read: FASTER's are written then, and the checksums find the difference (a checkpoint is refused, never
    /// taken for sound).</summary>
    private unsafe IntPtr CopyKeepingDiskBytes(IntPtr source, long address, uint length, int keptBytes)
    {
        var copy = (IntPtr)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(length, Math.Max(SectorSize, (uint)sizeof(long)));
        try
        {
            var target = new Span<byte>((void*)copy, (int)length);
            new ReadOnlySpan<byte>((void*)source, (int)length).CopyTo(target);
            var path = Path.Combine(storeDirectory, VersionStore.LogFolderName, $"{VersionStore.LogFileName}.{address >> segmentSizeBits}");
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var kept = target[..keptBytes];
            var offset = address & ((1L << segmentSizeBits) - 1);
            for (int read = 0; read < kept.Length;)
            {
                var count = RandomAccess.Read(file, kept[read..], offset + read);
                if (count <= 0)
                {
                    throw new EndOfStreamException($"The log is shorter than address {address + keptBytes}, which a checkpoint holds.");
                }
                read += count;
            }
            return copy;
        }
        catch (IOException)
        {
            FreeCopy(copy);
            return IntPtr.Zero;
        }
    }

    private static unsafe void FreeCopy(IntPtr copy) => System.Runtime.InteropServices.NativeMemory.AlignedFree((void*)copy);

    private void NoteWrite(long address, uint length)
    {
        if (length == 0 || chunks.Length == 0 || address >= chunks[^1].Until || address + length <= chunks[0].From)
        {
            return;
        }
        lock (writtenChunks)
        {
            for (var index = FirstChunkEndingAfter(address); index < chunks.Length && chunks[index].From < address + length; index++)
            {
                writtenChunks.Add(index);
            }
        }
    }

    /// <summary>The chunks written since the last call (in address order), forgotten by this call.</summary>
    public IReadOnlyList<LogRangeChecksum> TakeWrittenChunks()
    {
        lock (writtenChunks)
        {
            var written = writtenChunks.Order().Select(index => chunks[index]).ToList();
            writtenChunks.Clear();
            return written;
        }
    }

    public void TruncateUntilAddressAsync(long toAddress, AsyncCallback callback, IAsyncResult result) => inner.TruncateUntilAddressAsync(toAddress, callback, result);
    public void TruncateUntilAddress(long toAddress) => inner.TruncateUntilAddress(toAddress);
    public void TruncateUntilSegmentAsync(int toSegment, AsyncCallback callback, IAsyncResult result) => inner.TruncateUntilSegmentAsync(toSegment, callback, result);
    public void TruncateUntilSegment(int toSegment) => inner.TruncateUntilSegment(toSegment);
    public void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result) => inner.RemoveSegmentAsync(segment, callback, result);
    public void RemoveSegment(int segment) => inner.RemoveSegment(segment);
    public long GetFileSize(int segment) => inner.GetFileSize(segment);
    public void Reset() => inner.Reset();
    public void Dispose() => inner.Dispose();
}
