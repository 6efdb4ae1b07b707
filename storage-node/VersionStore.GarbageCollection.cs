using FASTER.core;
using Session = FASTER.core.ClientSession<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty, FASTER.core.IFunctions<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty>>;

namespace Log.StorageNode;

/// <summary>What one step of garbage collection removed.</summary>
internal readonly record struct CollectedVersions(long VersionCount, long PayloadBytes)
{
    public static CollectedVersions operator +(CollectedVersions left, CollectedVersions right) =>
        new(left.VersionCount + right.VersionCount, left.PayloadBytes + right.PayloadBytes);
}

/// <summary>The version an update moved from its key's head to a version record: its commit timestamp and the record's
/// payload length.</summary>
internal readonly record struct SupersededVersion(ulong Timestamp, int PayloadBytes);

/// <summary>Live records in the log by kind (<see cref="VersionStore.CountLiveRecords"/>).</summary>
internal readonly record struct LogRecordCounts(long HeadRecords, long VersionRecords);

internal sealed partial class VersionStore
{
    /// <summary>
    /// Deletes the version records of <paramref name="keys"/> that no read at or above <paramref name="horizon"/> can
    /// reach: for each key, every version older than its newest version at or below the horizon. A read at T walks back
    /// from the head and stops at the newest version at or below T, so for T at or above the horizon it stops at that
    /// version or before it, and never follows the link to a deleted one. The head record (the newest version, stored
    /// only there) is never deleted: a key whose head is at or below the horizon keeps its head alone, and its link back
    /// names a version no read is allowed to reach any more.
    /// <para>
    /// Safe beside the apply loop: a new version is committed above the resolved timestamp, so above the horizon, and
    /// does not change which version is the newest at or below it. Records are deleted oldest first, so a collection
    /// cut short (a crash, a checkpoint taken meanwhile) leaves the chain intact from the kept version down to the
    /// oldest record not yet deleted, and the next collection goes on from there; a missing link below the kept
    /// version means everything older was collected before.
    /// </para>
    /// </summary>
    public CollectedVersions CollectGarbage(IReadOnlyList<IndexedKey> keys, ulong horizon)
    {
        var session = RentReadSession();
        var garbage = new List<(ulong Timestamp, int PayloadBytes)>();
        long versionCount = 0;
        long payloadBytes = 0;
        try
        {
            for (var index = 0; index < keys.Count; index++)
            {
                var key = keys[index].Key;
                if (ReadRaw(session, HeadKey(key)) is not { } head)
                {
                    continue;
                }
                var kept = Check(head, expectedTimestamp: null);
                // Keys written once (most of a bulk load) have nothing to collect: one read each.
                if (kept.PreviousTimestamp == 0)
                {
                    continue;
                }
                while (kept.CommitTimestamp > horizon && kept.PreviousTimestamp != 0)
                {
                    var previous = kept.PreviousTimestamp;
                    kept = Check(ReadRaw(session, VersionKey(key, previous))
                        ?? throw new InvalidDataException($"Storage is corrupt: version {previous} of a key is linked but missing."), previous);
                }
                if (kept.CommitTimestamp > horizon)
                {
                    continue; // every version is above the horizon
                }
                garbage.Clear();
                for (var older = kept.PreviousTimestamp; older != 0;)
                {
                    if (ReadRaw(session, VersionKey(key, older)) is not { } stored)
                    {
                        break; // collected before
                    }
                    var version = Check(stored, older);
                    garbage.Add((older, version.PayloadBytes));
                    older = version.PreviousTimestamp;
                }
                for (var position = garbage.Count - 1; position >= 0; position--)
                {
                    Delete(session, VersionKey(key, garbage[position].Timestamp));
                    versionCount++;
                    payloadBytes += garbage[position].PayloadBytes;
                }
            }
        }
        finally
        {
            ReturnReadSession(session);
        }
        return new CollectedVersions(versionCount, payloadBytes);
    }

    /// <summary>
    /// Deletes the version records <paramref name="versions"/> names (a key and a version's commit timestamp each), in
    /// that order, without reading them: the caller knows each is below the newest version at or below the horizon (a
    /// newer version of its key was committed at or below it), so no admitted read reaches it. Versions of one key come
    /// oldest first, as <see cref="CollectGarbage"/> deletes them.
    /// </summary>
    public void DeleteVersions(IReadOnlyList<(byte[] Key, ulong Timestamp)> versions)
    {
        var session = RentReadSession();
        try
        {
            for (var index = 0; index < versions.Count; index++)
            {
                Delete(session, VersionKey(versions[index].Key, versions[index].Timestamp));
            }
        }
        finally
        {
            ReturnReadSession(session);
        }
    }

    /// <summary>
    /// The live records of the log by kind: each key's newest record in it that is not a delete marker, head records and
    /// version records apart. What the record format keeps, for tests and tools; reads every page of the log, so not for
    /// a serving path. Callers keep writers away while it runs.
    /// </summary>
    public LogRecordCounts CountLiveRecords()
    {
        // Each stored key's newest record: whether it is a delete marker (the scan goes up the log, so later records win).
        var newest = new Dictionary<byte[], bool>(ByteArrayEqualityComparer.Instance);
        using (var iterator = store.Log.Scan(store.Log.BeginAddress, store.Log.TailAddress))
        {
            while (iterator.GetNext(out var recordInfo))
            {
                var key = iterator.GetKey().AsReadOnlySpan();
                if (key.Length == 0 || (key[0] != HeadPrefix && key[0] != VersionPrefix))
                {
                    throw new InvalidDataException($"Storage is corrupt: a record's key begins with {(key.Length > 0 ? key[0] : -1)}, neither a head nor a version.");
                }
                newest[key.ToArray()] = recordInfo.Tombstone;
            }
        }
        ThrowIfLogCorrupt();
        long heads = 0, versionRecords = 0;
        foreach (var (key, deleted) in newest)
        {
            if (deleted)
            {
                continue;
            }
            if (key[0] == HeadPrefix)
            {
                heads++;
            }
            else
            {
                versionRecords++;
            }
        }
        return new LogRecordCounts(heads, versionRecords);
    }

    /// <summary>The log's begin address: records below it are gone (compacted); its files are deleted at the next
    /// checkpoint.</summary>
    public long BeginAddress => store.Log.BeginAddress;

    /// <summary>Records below this address are read-only and may be compacted.</summary>
    public long SafeReadOnlyAddress => store.Log.SafeReadOnlyAddress;

    /// <summary>
    /// Makes the whole log read-only, so that compaction can reach its tail, and returns the tail it aimed at. FASTER
    /// keeps the newest part of its log mutable for in-place updates, which this store never does (every write appends a
    /// record, <see cref="AppendOnlyFunctions"/>), so that part only holds back compaction: with the default memory it is
    /// most of the 128 MiB in memory, all of it out of compaction's reach until a checkpoint made it read-only. FASTER
    /// flushes the pages it shifts past in the background; compaction reads them from memory meanwhile.
    /// <see cref="SafeReadOnlyAddress"/> follows once every thread in FASTER's epoch has seen the shift.
    /// </summary>
    public long ShiftReadOnlyToTail()
    {
        var tail = store.Log.TailAddress;
        store.Log.ShiftReadOnlyAddress(tail, wait: false);
        return tail;
    }

    /// <summary>
    /// Compacts the log below <paramref name="untilAddress"/> (at most <see cref="SafeReadOnlyAddress"/>): FASTER copies
    /// every record there that is still its key's newest and not deleted to the tail, and moves the begin address up.
    /// Nothing is deleted from disk here: FASTER truncates the files below the begin address at the next checkpoint, so
    /// a crash before it recovers the previous checkpoint, whose log is intact. Returns the new begin address.
    /// </summary>
    public long Compact(long untilAddress)
    {
        using var session = NewSession();
        // Lookup: each record's liveness is one hash lookup, instead of a scan of the log from the address to the tail.
        var begin = session.Compact(Math.Min(untilAddress, store.Log.SafeReadOnlyAddress), CompactionType.Lookup);
        // Records compaction read from a damaged chunk may have been copied to the tail: the node must stop using this log.
        ThrowIfLogCorrupt();
        return begin;
    }

    private static unsafe void Delete(Session session, byte[] key)
    {
        fixed (byte* keyPointer = key)
        {
            var keySpanByte = SpanByte.FromPointer(keyPointer, key.Length);
            var status = session.Delete(ref keySpanByte);
            if (status.IsPending)
            {
                session.CompletePending(wait: true);
            }
            else if (status.IsFaulted)
            {
                throw new IOException("FASTER failed to delete a record.");
            }
        }
    }
}
