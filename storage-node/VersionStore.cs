using System.Diagnostics;
using System.Buffers.Binary;
using Session = FASTER.core.ClientSession<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty, FASTER.core.IFunctions<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty>>;
using UnsafeSession = FASTER.core.UnsafeContext<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty, FASTER.core.IFunctions<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty>>;
using System.Collections.Concurrent;
using FASTER.core;

namespace Log.StorageNode;

internal enum ApplyOutcome
{
    /// <summary>The key already had a version at or above this one (a replay).</summary>
    Skipped,
    /// <summary>The first version of the key.</summary>
    NewKey,
    /// <summary>A newer version of a known key.</summary>
    NewVersion,
}

/// <summary>
/// The MVCC versions of every key, in one FASTER <c>FasterKV&lt;SpanByte, SpanByte&gt;</c>.
/// <para>
/// Layout (storage format 3, <see cref="CheckpointManifest.CurrentFormatVersion"/>). For user key K there is a head
/// record at <c>[0x01] K</c> holding its newest version, and one version record at <c>[0x02] K ts</c> (ts as 8
/// big-endian bytes) for each older version still kept. Both hold the same payload format:
/// <c>commit ts (8) | previous commit ts (8, 0 = none) | kind (1: value, 2: tombstone) | value</c>.
/// The newest version is stored once, in the head, so the common read (the newest value) costs one lookup and a new
/// key one record; a version record is written only when its version is superseded, just before the new head that
/// links to it. An older snapshot walks the previous-ts chain from the head through version records until it finds a
/// commit at or below its timestamp. Commit timestamps are always above a start timestamp, so 0 never names a version
/// and can mean "none".
/// </para>
/// <para>
/// Records are never changed in place (the functions refuse in-place upserts, so FASTER appends a
/// new record instead), so a reader can never see half of a write. One writer (the apply loop)
/// uses its own session; readers take sessions from a pool because a FASTER session serves one
/// caller at a time. Calls are synchronous: with the default sizes the working set is in memory,
/// and a read that must go to disk waits for it on the calling thread.
/// </para>
/// </summary>
internal sealed partial class VersionStore : IDisposable
{
    private const byte HeadPrefix = 0x01;
    private const byte VersionPrefix = 0x02;
    private const byte KindValue = 1;
    private const byte KindTombstone = 2;
    private const int PayloadHeaderBytes = 17;

    /// <summary><see cref="StoredVersion.PayloadBytes"/> of a read refused because the log is corrupt (no payload is that long).</summary>
    private const int CorruptLogMark = -1;

    /// <summary>Headroom for FASTER's record header and length prefixes when checking that a record fits a page.</summary>
    private const int RecordOverheadBytesMax = 64;

    private readonly IDevice device;
    /// <summary>The log's device: it checks a recovered checkpoint's log chunks as they are first read, and keeps the
    /// bytes below a checkpoint's final address as they were checksummed.</summary>
    private readonly VerifiedLogDevice verifiedDevice;
    private readonly FasterKV<SpanByte, SpanByte> store;
    private readonly Session applySession;
    private readonly ConcurrentBag<Session> idleReadSessions = [];
    /// <summary>Sessions in <see cref="idleReadSessions"/>, or about to be added to it (at most <see cref="readSessionPoolSizeMax"/>).</summary>
    private int idleReadSessionCount;
    private readonly int readSessionPoolSizeMax;
    private readonly long pageSizeBytes;
    private readonly InMemoryLog inMemoryLog;
    private readonly int segmentSizeBits;
    private readonly DeviceLogCommitCheckpointManager checkpointManager;

    /// <summary>Opens the store in <paramref name="directory"/>: empty when <paramref name="recoverFrom"/> is null (the
    /// caller has wiped the folder), else as FASTER's index and log checkpoints <paramref name="recoverFrom"/> left it,
    /// with the log chunks <paramref name="recoveredLogChunks"/> checked when first read (<see cref="VerifiedLogDevice"/>;
    /// <paramref name="corrupted"/> is told when one fails).</summary>
    public VersionStore(string directory, StorageNodeOptions options, (Guid Index, Guid Log)? recoverFrom = null,
        IReadOnlyList<LogRangeChecksum>? recoveredLogChunks = null, Action<LogRangeChecksum, string>? corrupted = null)
    {
        var constructing = Stopwatch.GetTimestamp();
        Directory.CreateDirectory(directory);
        readSessionPoolSizeMax = options.ReadSessionPoolSizeMax;
        pageSizeBytes = options.LogPageSizeBytes;
        // The log outlives the node: a checkpoint's hybrid log part (fold-over) is this log itself, up to its final address.
        device = verifiedDevice = new VerifiedLogDevice(Devices.CreateLogDevice(Path.Combine(directory, LogFolderName, LogFileName), preallocateFile: false, deleteOnClose: false),
            directory, StorageNodeOptions.Log2(options.LogSegmentSizeBytes), recoveredLogChunks ?? [], corrupted);
        var logSettings = new LogSettings
        {
            LogDevice = device,
            MemorySizeBits = StorageNodeOptions.Log2(options.LogMemorySizeBytes),
            PageSizeBits = StorageNodeOptions.Log2(options.LogPageSizeBytes),
            SegmentSizeBits = StorageNodeOptions.Log2(options.LogSegmentSizeBytes),
        };
        segmentSizeBits = logSettings.SegmentSizeBits;
        // Outdated checkpoints are deleted by the node (it keeps the ones its manifests name), never by FASTER.
        checkpointManager = new DeviceLogCommitCheckpointManager(new LocalStorageNamedDeviceFactory(),
            new DefaultCheckpointNamingScheme(Path.Combine(directory, FasterCheckpointFolderName)), removeOutdated: false);
        var checkpointSettings = new CheckpointSettings { CheckpointManager = checkpointManager };
        // RecordIsolation, not None: without record locks a read racing the apply of a newer version of its key (every
        // upsert copies the record to the tail) could find the old record retired and the key missing.
        store = new FasterKV<SpanByte, SpanByte>(options.HashIndexBucketCount, logSettings, checkpointSettings,
            concurrencyControlMode: ConcurrencyControlMode.RecordIsolation);
        if (recoverFrom is { } tokens)
        {
            try
            {
                var began = Stopwatch.GetTimestamp();
                var setup = Stopwatch.GetElapsedTime(constructing, began);
                store.Recover(tokens.Index, tokens.Log, numPagesToPreload: options.RecoveryPreloadPages ?? -1);
                var ended = Stopwatch.GetTimestamp();
                // FASTER reads its index checkpoint first, then the log: the first read of the log splits the two.
                var firstLogRead = verifiedDevice.FirstReadTimestamp is var first and > 0 ? Math.Min(first, ended) : ended;
                Recovery = new RecoveryTimes(setup, Stopwatch.GetElapsedTime(began, firstLogRead), Stopwatch.GetElapsedTime(firstLogRead, ended),
                    verifiedDevice.CheckTime, store.Log.HeadAddress, store.Log.TailAddress);
                // What recovery read (the pages it loaded, the fuzzy region it replayed) was checked as it was read.
                ThrowIfLogCorrupt();
                // Recovery's own writes (the pages where it marked records invalid) are done: the node brings the checksums
                // of those chunks up to date, and nothing changes the bytes below the final address after that.
                verifiedDevice.PreserveBelowAsync(store.Log.TailAddress, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch
            {
                store.Dispose();
                device.Dispose();
                checkpointManager.Dispose();
                throw;
            }
        }
        applySession = NewSession();
        inMemoryLog = new InMemoryLog(store);
    }

    /// <summary>How long FASTER's recovery took, for a start's log (null for a store that recovered nothing).</summary>
    public RecoveryTimes? Recovery { get; }

    /// <summary>FASTER's setup before its recovery (the store, its empty hash table and devices), the two parts of the
    /// recovery (its hash index from the index checkpoint, then the log: the pages it loads and the fuzzy region it
    /// replays into the index), the part of those spent checking log chunks, and the part of the log in memory afterwards.</summary>
    internal sealed record RecoveryTimes(TimeSpan Setup, TimeSpan Index, TimeSpan Log, TimeSpan ChunkChecks, long HeadAddress, long TailAddress);

    /// <summary>The largest key plus value length that fits one record.</summary>
    public long EntryBytesMax => pageSizeBytes - RecordOverheadBytesMax - PayloadHeaderBytes - 1 - sizeof(ulong);

    /// <summary>Stores version <paramref name="commitTimestamp"/> of <paramref name="key"/> (a null value is a
    /// tombstone). Changes nothing (<see cref="ApplyOutcome.Skipped"/>) when the key already has a version
    /// at or above it: that is what makes replaying the journal safe. Single writer only.</summary>
    public ApplyOutcome Apply(byte[] key, ulong commitTimestamp, byte[]? value) => Apply(key, commitTimestamp, value, out _);

    /// <summary>The same, with the address of the new head record in FASTER's log (0 when skipped or not known),
    /// which a read can start at instead of looking the key up.</summary>
    public ApplyOutcome Apply(byte[] key, ulong commitTimestamp, byte[]? value, out long headAddress) =>
        Apply(key, commitTimestamp, value, out headAddress, out _);

    /// <summary>The same, with the version a <see cref="ApplyOutcome.NewVersion"/> moved to its version record.</summary>
    public ApplyOutcome Apply(byte[] key, ulong commitTimestamp, byte[]? value, out long headAddress, out SupersededVersion superseded)
    {
        headAddress = 0;
        superseded = default;
        if (commitTimestamp == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(commitTimestamp), "Commit timestamp 0 is reserved for 'no version'.");
        }
        if (key.Length + (long)(value?.Length ?? 0) > EntryBytesMax)
        {
            throw new ArgumentException($"Key and value of {key.Length + (value?.Length ?? 0)} bytes exceed the {EntryBytesMax} bytes a record can hold.");
        }
        // The head key, the version key and the payloads are built in buffers kept for the apply session (one writer):
        // FASTER copies them into its log, so a replay allocates nothing per write here beyond the superseded value.
        var keys = ApplyScratch(ref applyKeys, 2 * key.Length + 1 + 1 + sizeof(ulong));
        var headKey = keys[..(key.Length + 1)];
        headKey[0] = HeadPrefix;
        key.CopyTo(headKey[1..]);
        ulong previous = 0;
        if (ReadRaw(applySession, headKey) is { } headPayload)
        {
            var head = Check(headPayload, expectedTimestamp: null);
            if (head.CommitTimestamp >= commitTimestamp)
            {
                return ApplyOutcome.Skipped;
            }
            previous = head.CommitTimestamp;
            // The superseded version moves to its own version record, as it was (its own link back included), before
            // the new head that links to it: a reader that sees the new head always finds the record it links to, and a
            // crash between the two leaves the old head in place beside a copy of it, which the next apply writes again.
            var versionKey = keys.Slice(headKey.Length, key.Length + 1 + sizeof(ulong));
            WriteVersionKey(versionKey, key, head.CommitTimestamp);
            var versionPayload = ApplyScratch(ref applyVersionPayload, PayloadHeaderBytes + (head.Value?.Length ?? 0));
            Encode(versionPayload, head.CommitTimestamp, head.PreviousTimestamp, head.Value);
            Upsert(applySession, versionKey, versionPayload);
            superseded = new SupersededVersion(head.CommitTimestamp, versionPayload.Length);
        }
        // A new key writes its head alone: the newest version of a key lives only in its head record.
        var payload = ApplyScratch(ref applyPayload, PayloadHeaderBytes + (value?.Length ?? 0));
        Encode(payload, commitTimestamp, previous, value);
        headAddress = Upsert(applySession, headKey, payload);
        return previous == 0 ? ApplyOutcome.NewKey : ApplyOutcome.NewVersion;
    }

    /// <summary>Buffers of the apply session (<see cref="Apply(byte[], ulong, byte[], out long)"/>), grown as needed.</summary>
    private byte[] applyKeys = new byte[128];
    private byte[] applyPayload = new byte[256];
    private byte[] applyVersionPayload = new byte[256];

    private static Span<byte> ApplyScratch(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }
        return buffer.AsSpan(0, length);
    }

    /// <summary>The newest version of <paramref name="key"/> at or below <paramref name="timestamp"/>:
    /// Found=false when there is none, Value=null when it is a tombstone.</summary>
    public (bool Found, byte[]? Value) ReadVisible(byte[] key, ulong timestamp)
    {
        var session = RentReadSession();
        var context = session.UnsafeContext;
        context.BeginUnsafe();
        try
        {
            byte[]? scratch = null;
            return ReadVisible(context, key, timestamp, ref scratch);
        }
        finally
        {
            context.EndUnsafe();
            ReturnReadSession(session);
        }
    }

    /// <summary>The visible value of each key (null for none or a tombstone) into <paramref name="values"/>, with one
    /// read session for the whole batch, which holds FASTER's epoch across the batch instead of taking and leaving
    /// it for every read (FASTER's "unsafe" context: the batch runs synchronously, without awaiting anything).</summary>
    public void ReadVisibleMany(IReadOnlyList<byte[]> keys, ulong timestamp, byte[]?[] values)
    {
        var session = RentReadSession();
        var context = session.UnsafeContext;
        context.BeginUnsafe();
        try
        {
            byte[]? scratch = null;
            for (var index = 0; index < keys.Count; index++)
            {
                values[index] = ReadVisible(context, keys[index], timestamp, ref scratch).Value;
            }
        }
        finally
        {
            context.EndUnsafe();
            ReturnReadSession(session);
        }
    }

    /// <summary>Receives the visible value of the key at <paramref name="index"/> of a batch (never a tombstone or a
    /// key with no version at the timestamp); the span is valid only during the call. Returns false to stop.</summary>
    public delegate bool VisibleValueVisitor(int index, ReadOnlySpan<byte> value);

    /// <summary>The visible value of each key of the ordered index, in order, handed to <paramref name="visit"/> until it
    /// returns false (then false is returned). A key whose newest head record is in memory at the address the index
    /// keeps, and visible at the timestamp (the common case), is handed over in place in FASTER's log page, without a
    /// lookup in FASTER's hash index or a copy; anything else is read through FASTER. One read session and one hold of
    /// FASTER's epoch for the whole batch (its "unsafe" context: the batch runs synchronously, without awaiting).</summary>
    public bool VisitVisibleMany(KeyBatch keys, ulong timestamp, VisibleValueVisitor visit) =>
        VisitVisibleMany(keys, timestamp, visit, coldHeads: null);

    /// <summary>The same, with the head records of the keys whose address is below <see cref="ColdHeads.Below"/> already
    /// read from disk (see <see cref="VisitVisibleManyAsync"/>).</summary>
    private bool VisitVisibleMany(KeyBatch keys, ulong timestamp, VisibleValueVisitor visit, ColdHeads? coldHeads)
    {
        var session = RentReadSession();
        var context = session.UnsafeContext;
        context.BeginUnsafe();
        try
        {
            byte[]? scratch = null;
            // Only an address in the read-only region is a safe shortcut: a record in the mutable region can be sealed
            // by a concurrent upsert that needs more room (FASTER then copies it to the tail), and a read started at a
            // sealed record is retried by FASTER at the same address for ever. Read-only records are never changed.
            long immutableBelow = store.Log.ReadOnlyAddress;
            // Read under the epoch this batch holds: FASTER frees no page at or above the head address seen inside it.
            long inMemoryFrom = store.Log.HeadAddress;
            // The cold heads' parts, out of the loop (0: no key was read from disk before the batch).
            long coldBelow = coldHeads?.Below ?? 0;
            var coldBulk = coldHeads?.Bulk;
            var coldThroughFaster = coldHeads?.Heads;
            for (var index = 0; index < keys.Count; index++)
            {
                var key = keys.Key(index);
                long address = keys.HeadAddress(index);
                byte[]? value = null;
                ReadOnlySpan<byte> payload = default;
                bool inPlace;
                if (address != 0 && address < coldBelow)
                {
                    // Read before the batch: in bulk from the log's files (in place), or through FASTER.
                    inPlace = coldBulk is not null && coldBulk.TryGetPayload(index, out payload);
                    if (!inPlace && coldThroughFaster?[index] is { } coldHead)
                    {
                        value = ReadVisibleFrom(context, key, timestamp, coldHead).Value;
                    }
                }
                else if (address >= inMemoryFrom && inMemoryLog.TryReadHeadPayload(address, key, out payload))
                {
                    inPlace = true;
                }
                else
                {
                    inPlace = false;
                    value = ReadVisible(context, key, timestamp, ref scratch, address < immutableBelow ? address : 0).Value;
                }
                if (inPlace)
                {
                    var head = Check(StoredVersion.ReadHeader(payload), expectedTimestamp: null);
                    if (head.CommitTimestamp <= timestamp)
                    {
                        if (head.Kind == KindValue && !visit(index, payload[PayloadHeaderBytes..]))
                        {
                            return false;
                        }
                        continue;
                    }
                    value = ReadVisibleFrom(context, key, timestamp, head).Value;
                }
                if (value is not null && !visit(index, value))
                {
                    return false;
                }
            }
            return true;
        }
        finally
        {
            context.EndUnsafe();
            ReturnReadSession(session);
        }
    }

    /// <summary><paramref name="scratch"/> holds the stored head key between calls, so a batch allocates it once.</summary>
    private static (bool Found, byte[]? Value) ReadVisible(UnsafeSession session, ReadOnlySpan<byte> key, ulong timestamp, ref byte[]? scratch,
        long headAddress = 0)
    {
        if (scratch is null || scratch.Length < key.Length + 1)
        {
            scratch = new byte[Math.Max(key.Length + 1, 64)];
        }
        scratch[0] = HeadPrefix;
        key.CopyTo(scratch.AsSpan(1));
        if (ReadRaw(session, scratch.AsSpan(0, key.Length + 1), headAddress) is not { } head)
        {
            return (false, null);
        }
        return ReadVisibleFrom(session, key, timestamp, head);
    }

    /// <summary>The newest version at or below <paramref name="timestamp"/>, walking back from the key's head record.</summary>
    private static (bool Found, byte[]? Value) ReadVisibleFrom(UnsafeSession session, ReadOnlySpan<byte> key, ulong timestamp, StoredVersion head)
    {
        var version = Check(head, expectedTimestamp: null);
        while (version.CommitTimestamp > timestamp)
        {
            if (version.PreviousTimestamp == 0)
            {
                return (false, null);
            }
            var previous = version.PreviousTimestamp;
            var stored = ReadRaw(session, VersionKey(key, previous))
                ?? throw new InvalidDataException($"Storage is corrupt: version {previous} of a key is linked but missing.");
            version = Check(stored, expectedTimestamp: previous);
            if (version.PreviousTimestamp >= previous)
            {
                throw new InvalidDataException("Storage is corrupt: a version chain does not go back in time.");
            }
        }
        return (true, version.Value);
    }

    /// <summary>A record as a read returns it: its header, and its value bytes alone (copied once out of FASTER's log,
    /// never the whole payload first and the value again after). <see cref="PayloadBytes"/> and <see cref="Kind"/> are
    /// kept for the format check.</summary>
    internal readonly record struct StoredVersion(ulong CommitTimestamp, ulong PreviousTimestamp, byte Kind, int PayloadBytes, byte[]? Value)
    {
        public static StoredVersion Read(ReadOnlySpan<byte> payload)
        {
            if (payload.Length < PayloadHeaderBytes)
            {
                return new(0, 0, 0, payload.Length, null); // Check reports it
            }
            var kind = payload[16];
            return new(BinaryPrimitives.ReadUInt64BigEndian(payload), BinaryPrimitives.ReadUInt64BigEndian(payload[8..]), kind, payload.Length,
                kind == KindValue ? payload[PayloadHeaderBytes..].ToArray() : null);
        }

        /// <summary>What a read gives once the log is known corrupt: <see cref="Check"/> refuses it.</summary>
        public static StoredVersion FromCorruptLog => new(0, 0, 0, CorruptLogMark, null);

        /// <summary>The header alone (no value copied), for a reader that takes the value in place.</summary>
        public static StoredVersion ReadHeader(ReadOnlySpan<byte> payload) =>
            payload.Length < PayloadHeaderBytes
                ? new(0, 0, 0, payload.Length, null) // Check reports it
                : new(BinaryPrimitives.ReadUInt64BigEndian(payload), BinaryPrimitives.ReadUInt64BigEndian(payload[8..]), payload[16], payload.Length, null);
    }

    private static byte[] HeadKey(ReadOnlySpan<byte> key)
    {
        var stored = new byte[key.Length + 1];
        stored[0] = HeadPrefix;
        key.CopyTo(stored.AsSpan(1));
        return stored;
    }

    private static byte[] VersionKey(ReadOnlySpan<byte> key, ulong commitTimestamp)
    {
        var stored = new byte[key.Length + 1 + sizeof(ulong)];
        WriteVersionKey(stored, key, commitTimestamp);
        return stored;
    }

    /// <summary>The version key of <paramref name="key"/> at <paramref name="commitTimestamp"/> into
    /// <paramref name="stored"/> (exactly its length).</summary>
    private static void WriteVersionKey(Span<byte> stored, ReadOnlySpan<byte> key, ulong commitTimestamp)
    {
        Debug.Assert(stored.Length == key.Length + 1 + sizeof(ulong));
        stored[0] = VersionPrefix;
        key.CopyTo(stored[1..]);
        BinaryPrimitives.WriteUInt64BigEndian(stored[(key.Length + 1)..], commitTimestamp);
    }

    /// <summary>The payload of a version into <paramref name="payload"/> (exactly its length).</summary>
    private static void Encode(Span<byte> payload, ulong commitTimestamp, ulong previousTimestamp, byte[]? value)
    {
        Debug.Assert(payload.Length == PayloadHeaderBytes + (value?.Length ?? 0));
        BinaryPrimitives.WriteUInt64BigEndian(payload, commitTimestamp);
        BinaryPrimitives.WriteUInt64BigEndian(payload[8..], previousTimestamp);
        payload[16] = value is null ? KindTombstone : KindValue;
        value?.CopyTo(payload[PayloadHeaderBytes..]);
    }

    /// <summary>Always-on check of the stored format: a payload that breaks it is corruption, never skipped. Every
    /// record a scan visits passes here, so the test is one inlined condition and the messages are built apart.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static StoredVersion Check(StoredVersion version, ulong? expectedTimestamp)
    {
        // CorruptLogMark is negative, so below the header's length too.
        if (version.PayloadBytes < PayloadHeaderBytes || version.CommitTimestamp == 0 || version.PreviousTimestamp >= version.CommitTimestamp
            || (expectedTimestamp is { } expected && expected != version.CommitTimestamp)
            || (version.Kind != KindValue && (version.Kind != KindTombstone || version.PayloadBytes != PayloadHeaderBytes)))
        {
            ThrowCorrupt(version, expectedTimestamp);
        }
        return version;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowCorrupt(StoredVersion version, ulong? expectedTimestamp)
    {
        if (version.PayloadBytes == CorruptLogMark)
        {
            throw new InvalidDataException("Storage is corrupt: part of FASTER's log fails the checksum its checkpoint recorded (the node's log says which).");
        }
        if (version.PayloadBytes < PayloadHeaderBytes)
        {
            throw new InvalidDataException($"Storage is corrupt: a version payload of {version.PayloadBytes} bytes is shorter than its header.");
        }
        if (version.CommitTimestamp == 0 || version.PreviousTimestamp >= version.CommitTimestamp
            || (expectedTimestamp is { } expected && expected != version.CommitTimestamp))
        {
            throw new InvalidDataException("Storage is corrupt: a version has inconsistent timestamps.");
        }
        throw new InvalidDataException($"Storage is corrupt: unknown version kind {version.Kind}.");
    }

    private static unsafe StoredVersion? ReadRaw(Session session, ReadOnlySpan<byte> key)
    {
        StoredVersion output = default;
        Status status;
        fixed (byte* keyPointer = key)
        {
            var keySpanByte = SpanByte.FromPointer(keyPointer, key.Length);
            status = session.Read(ref keySpanByte, ref output);
            if (status.IsPending)
            {
                session.CompletePendingWithOutputs(out var completed, wait: true);
                using (completed)
                {
                    while (completed.Next())
                    {
                        status = completed.Current.Status;
                        output = completed.Current.Output;
                    }
                }
            }
        }
        if (status.IsFaulted)
        {
            throw new IOException("FASTER failed to read a record.");
        }
        return status.Found ? output : null;
    }

    /// <summary>FASTER 2.6 (the pinned version) takes a read's start address in ReadOptions.StartAddress, whose setter
    /// it keeps internal; this reaches it the way .NET provides for non-public members. The start address is only a
    /// shortcut past the hash index: FASTER still compares the key of the record there.</summary>
    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Method, Name = "set_StartAddress")]
    private static extern void SetStartAddress(ref ReadOptions options, long address);

    /// <summary>A record by key; from <paramref name="startAddress"/> when it is not 0 (FASTER then compares the key
    /// there and follows the record chain back, instead of looking the key up in its hash index).</summary>
    private static unsafe StoredVersion? ReadRaw(UnsafeSession session, ReadOnlySpan<byte> key, long startAddress = 0)
    {
        StoredVersion output = default;
        Status status;
        fixed (byte* keyPointer = key)
        {
            var keySpanByte = SpanByte.FromPointer(keyPointer, key.Length);
            SpanByte input = default;
            var readOptions = default(ReadOptions);
            if (startAddress != 0)
            {
                SetStartAddress(ref readOptions, startAddress);
            }
            status = session.Read(ref keySpanByte, ref input, ref output, ref readOptions);
            if (status.IsPending)
            {
                session.CompletePendingWithOutputs(out var completed, wait: true);
                using (completed)
                {
                    while (completed.Next())
                    {
                        status = completed.Current.Status;
                        output = completed.Current.Output;
                    }
                }
            }
        }
        if (status.IsFaulted)
        {
            throw new IOException("FASTER failed to read a record.");
        }
        if (!status.Found && startAddress != 0)
        {
            // The address is only a shortcut: a record no longer there (below the log's begin) is looked up by key.
            return ReadRaw(session, key);
        }
        return status.Found ? output : null;
    }

    /// <summary>Appends a record; returns its address in the log, or 0 when FASTER did not say (a pending upsert).</summary>
    private static unsafe long Upsert(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload)
    {
        fixed (byte* keyPointer = key)
        fixed (byte* payloadPointer = payload)
        {
            var keySpanByte = SpanByte.FromPointer(keyPointer, key.Length);
            var payloadSpanByte = SpanByte.FromPointer(payloadPointer, payload.Length);
            SpanByte input = default;
            StoredVersion output = default;
            var status = session.Upsert(ref keySpanByte, ref input, ref payloadSpanByte, ref output, out RecordMetadata metadata);
            if (status.IsPending)
            {
                session.CompletePending(wait: true);
                return 0;
            }
            if (status.IsFaulted)
            {
                throw new IOException("FASTER failed to write a record.");
            }
            return metadata.Address;
        }
    }

    private Session NewSession() => store.NewSession<SpanByte, StoredVersion, Empty>(new AppendOnlyFunctions(verifiedDevice));

    /// <summary>Why the log is corrupt (a recovered log chunk failed its checksum when first read), or null.</summary>
    public string? LogCorruption => verifiedDevice.Corruption;

    /// <summary>Throws <see cref="InvalidDataException"/> when a recovered log chunk failed its checksum.</summary>
    public void ThrowIfLogCorrupt() => verifiedDevice.ThrowIfCorrupt();

    /// <summary>Checks the recovered log chunks overlapping [<paramref name="from"/>, <paramref name="until"/>) not yet
    /// checked, before a caller reads those bytes from the files itself (a checkpoint's checksums of a partly new chunk
    /// must not take damaged bytes for the truth); throws <see cref="InvalidDataException"/> when the log is corrupt.</summary>
    public void VerifyLogRange(long from, long until) => verifiedDevice.Verify(from, until);

    /// <summary>Keeps the log's bytes below <paramref name="finalAddress"/> (a checkpoint's, just flushed) as the disk
    /// holds them from now on, once the writes under way have completed: the checkpoint's checksums are taken after this
    /// (<see cref="VerifiedLogDevice.PreserveBelowAsync"/>).</summary>
    public Task PreserveLogBelowAsync(long finalAddress, CancellationToken cancellationToken) =>
        verifiedDevice.PreserveBelowAsync(finalAddress, cancellationToken);

    /// <summary>The recovered checkpoint's log chunks written since the last call (see <see cref="VerifiedLogDevice.TakeWrittenChunks"/>).</summary>
    public IReadOnlyList<LogRangeChecksum> TakeWrittenLogChunks() => verifiedDevice.TakeWrittenChunks();

    /// <summary>How many of the recovered checkpoint's log chunks were checked so far, of how many.</summary>
    public (int Checked, int Total) VerifiedLogChunks => (verifiedDevice.CheckedChunkCount, verifiedDevice.ChunkCount);

    private Session RentReadSession()
    {
        if (idleReadSessions.TryTake(out var session))
        {
            Interlocked.Decrement(ref idleReadSessionCount);
            return session;
        }
        return NewSession();
    }

    private void ReturnReadSession(Session session)
    {
        // Counted apart from the bag: ConcurrentBag.Count takes every thread's lock on each call, on every read.
        if (Interlocked.Increment(ref idleReadSessionCount) <= readSessionPoolSizeMax)
        {
            idleReadSessions.Add(session);
        }
        else
        {
            Interlocked.Decrement(ref idleReadSessionCount);
            session.Dispose();
        }
    }

    /// <summary>Callers guarantee that no call is running (the node drains its readers first).</summary>
    public void Dispose()
    {
        while (idleReadSessions.TryTake(out var session))
        {
            session.Dispose();
        }
        applySession.Dispose();
        store.Dispose();
        device.Dispose();
        checkpointManager.Dispose();
    }

    /// <summary>Reads into <see cref="StoredVersion"/>, and no in-place upserts, so records are immutable once written.
    /// Once a recovered log chunk failed its checksum every read gives <see cref="StoredVersion.FromCorruptLog"/>, which
    /// <see cref="Check"/> refuses: the device marks itself corrupt before FASTER gets the chunk's bytes.</summary>
    private sealed class AppendOnlyFunctions(VerifiedLogDevice? verifiedDevice) : SpanByteFunctions<SpanByte, StoredVersion, Empty>
    {
        public override bool SingleReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref StoredVersion destination,
            ref ReadInfo readInfo)
        {
            destination = verifiedDevice?.Corruption is null ? StoredVersion.Read(value.AsReadOnlySpan()) : StoredVersion.FromCorruptLog;
            return true;
        }

        public override bool ConcurrentReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref StoredVersion destination,
            ref ReadInfo readInfo)
        {
            destination = verifiedDevice?.Corruption is null ? StoredVersion.Read(value.AsReadOnlySpan()) : StoredVersion.FromCorruptLog;
            return true;
        }

        public override bool ConcurrentWriter(ref SpanByte key, ref SpanByte input, ref SpanByte source,
            ref SpanByte destination, ref StoredVersion output, ref UpsertInfo upsertInfo) => false;
    }
}
