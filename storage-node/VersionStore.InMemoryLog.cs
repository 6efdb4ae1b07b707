using System.Reflection;
using System.Runtime.CompilerServices;
using FASTER.core;

namespace Log.StorageNode;

internal sealed partial class VersionStore
{
    /// <summary>
    /// Reads a head record straight from FASTER's in-memory log page, without a FASTER read (no hashing of the key, no
    /// record locking, no read callback): a scan's key already carries its head record's address.
    /// <para>
    /// Why it is safe. Records are never changed in place (<see cref="AppendOnlyFunctions"/> refuses in-place upserts),
    /// so the key and value bytes at an address are the ones the apply loop wrote, whatever FASTER later does to the
    /// record's header (lock bits, or sealing and retiring it when a newer head is appended elsewhere: the old bytes stay
    /// an older committed version, and the walk back by timestamps is the same from it). The caller holds FASTER's epoch
    /// and checks the address against the log's head address read inside it, so the page cannot be evicted or reused
    /// during the read. The key stored at the address is compared with the key wanted; anything unexpected returns null
    /// and the caller falls back to FASTER's read path.
    /// </para>
    /// <para>
    /// FASTER 2.6 keeps its allocator internal; its public GetPhysicalAddress, GetKey and GetValue methods are bound
    /// once here, and the store fails to start (rather than read wrongly) if they are not there.
    /// </para>
    /// </summary>
    private sealed class InMemoryLog
    {
        private delegate ref SpanByte RecordPart(long physicalAddress);

        private readonly Func<long, long> physicalAddressOf;
        private readonly RecordPart keyAt;
        private readonly RecordPart valueAt;

        public InMemoryLog(FasterKV<SpanByte, SpanByte> store)
        {
            var allocator = typeof(FasterKV<SpanByte, SpanByte>).GetField("hlog", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(store)
                ?? throw new InvalidOperationException("FASTER's log allocator is not where this version of FASTER keeps it.");
            var type = allocator.GetType();
            physicalAddressOf = Method(type, "GetPhysicalAddress").CreateDelegate<Func<long, long>>(allocator);
            keyAt = Method(type, "GetKey").CreateDelegate<RecordPart>(allocator);
            valueAt = Method(type, "GetValue").CreateDelegate<RecordPart>(allocator);
        }

        private static MethodInfo Method(Type type, string name) =>
            type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, [typeof(long)])
            ?? throw new InvalidOperationException($"FASTER's log allocator has no {name}(long).");

        /// <summary>The payload of the head record of <paramref name="key"/> at <paramref name="logicalAddress"/>, in
        /// place in the log page (valid while the caller holds the epoch); false when the record there is not that key's
        /// head. The caller holds the epoch and the address is at or above the log's head address.</summary>
        public bool TryReadHeadPayload(long logicalAddress, ReadOnlySpan<byte> key, out ReadOnlySpan<byte> payload)
        {
            long physicalAddress = physicalAddressOf(logicalAddress);
            var storedKey = keyAt(physicalAddress).AsReadOnlySpan();
            if (storedKey.Length != key.Length + 1 || storedKey[0] != HeadPrefix || !storedKey[1..].SequenceEqual(key))
            {
                payload = default;
                return false;
            }
            payload = valueAt(physicalAddress).AsReadOnlySpan();
            return true;
        }

        /// <summary>The same for a record copied out of the log file into a buffer: <paramref name="record"/> is where
        /// it starts and <paramref name="availableBytes"/> how many bytes of the buffer follow. False also when the record
        /// does not end inside those bytes, or FASTER marked it invalid (a record of an unfinished checkpoint version
        /// that recovery discarded); the caller then reads through FASTER.</summary>
        public unsafe bool TryReadHeadPayload(byte* record, long availableBytes, ReadOnlySpan<byte> key, out ReadOnlySpan<byte> payload)
        {
            payload = default;
            // The record header, then the key's length prefix, must be there before the key is looked at.
            if (availableBytes < RecordInfo.GetLength() + sizeof(int) || Unsafe.AsRef<RecordInfo>(record).Invalid)
            {
                return false;
            }
            ref var storedKey = ref keyAt((long)record);
            if (RecordInfo.GetLength() + (long)storedKey.TotalSize + sizeof(int) > availableBytes)
            {
                return false;
            }
            var keyBytes = storedKey.AsReadOnlySpan();
            if (keyBytes.Length != key.Length + 1 || keyBytes[0] != HeadPrefix || !keyBytes[1..].SequenceEqual(key))
            {
                return false;
            }
            ref var storedValue = ref valueAt((long)record);
            long valueOffset = (byte*)Unsafe.AsPointer(ref storedValue) - record;
            if (valueOffset + sizeof(int) > availableBytes || valueOffset + storedValue.TotalSize > availableBytes)
            {
                return false;
            }
            payload = storedValue.AsReadOnlySpan();
            return true;
        }
    }
}
