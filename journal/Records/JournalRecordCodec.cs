using MessagePack;

namespace Log.Journal.Records;

/// <summary>
/// Encodes and decodes journal record values. The invariants are checked on both sides, always:
/// the journal is the source of truth, so a record that breaks them must never be written, and a
/// record read back that breaks them is corruption, reported as <see cref="InvalidDataException"/>.
/// </summary>
public static class JournalRecordCodec
{
    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Encodes a record; refuses (<see cref="ArgumentException"/>) one that breaks an invariant
    /// or that encodes to more than <see cref="JournalLimits.RecordBytesMax"/>, which would be refused
    /// by a default Kafka broker: a large write set must be split by <see cref="JournalFragmenter"/>.</summary>
    public static byte[] Encode(JournalRecord record)
    {
        var problem = Validate(record);
        if (problem is not null)
        {
            throw new ArgumentException($"Refusing to write an invalid journal record: {problem}", nameof(record));
        }
        var bytes = MessagePackSerializer.Serialize(record, Options);
        if (bytes.Length > JournalLimits.RecordBytesMax)
        {
            throw new ArgumentException(
                $"Refusing to write a journal record of {bytes.Length} bytes; the limit is {JournalLimits.RecordBytesMax} (split the write set into fragments).",
                nameof(record));
        }
        return bytes;
    }

    public static JournalRecord Decode(ReadOnlyMemory<byte> value)
    {
        JournalRecord record;
        try
        {
            record = MessagePackSerializer.Deserialize<JournalRecord>(value, Options);
        }
        catch (MessagePackSerializationException exception)
        {
            throw new InvalidDataException("Journal record is not valid MessagePack.", exception);
        }
        var problem = Validate(record);
        if (problem is not null)
        {
            throw new InvalidDataException($"Journal record is corrupt: {problem}");
        }
        return record;
    }

    /// <summary>The write set as fragments carry it: a MessagePack array of writes.</summary>
    public static byte[] EncodeWriteSet(IReadOnlyList<JournalWrite> writes) =>
        MessagePackSerializer.Serialize(writes, Options);

    /// <summary>Decodes a write set put together from fragments; <see cref="InvalidDataException"/> if it is not one.</summary>
    public static IReadOnlyList<JournalWrite> DecodeWriteSet(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            return MessagePackSerializer.Deserialize<JournalWrite[]>(bytes, Options)
                ?? throw new InvalidDataException("A fragmented write set decodes to nothing.");
        }
        catch (MessagePackSerializationException exception)
        {
            throw new InvalidDataException("A fragmented write set is not valid MessagePack.", exception);
        }
    }

    /// <summary>Returns null when the record is well formed, else what is wrong with it.</summary>
    public static string? Validate(JournalRecord record)
    {
        if (record.FormatVersion < JournalRecord.OldestReadableFormatVersion
            || record.FormatVersion > JournalRecord.NewestReadableFormatVersion)
        {
            return $"unknown format version {record.FormatVersion}";
        }
        if (record.Writes is null)
        {
            return "missing write set";
        }
        if (record.PreparesFromOffset < 0)
        {
            return $"prepares-from offset {record.PreparesFromOffset} is negative";
        }
        if (record.DurableEnd != 0
            && (record.DurableEnd < 0 || record.Kind != JournalRecordKind.Heartbeat || record.FormatVersion < JournalRecord.RegionDurableEndFormatVersion))
        {
            return $"a durable end of {record.DurableEnd} on a {record.Kind} record of format version {record.FormatVersion} (only a heartbeat of version {JournalRecord.RegionDurableEndFormatVersion} carries one)";
        }
        if (record.Batch is not null && record.Kind != JournalRecordKind.CommitBatch)
        {
            return $"a {record.Kind} record carries batched candidates";
        }
        var fragmentProblem = ValidateFragmentFields(record);
        if (fragmentProblem is not null)
        {
            return fragmentProblem;
        }
        switch (record.Kind)
        {
            case JournalRecordKind.Commit:
                if (record.CommitTimestamp <= record.StartTimestamp)
                {
                    return "commit timestamp is not after the start timestamp";
                }
                foreach (var write in record.Writes)
                {
                    if (write is null || write.Key is null || write.Key.Length == 0)
                    {
                        return "a write has an empty key";
                    }
                }
                if (record.CheckKeys is { } checkKeys && checkKeys.Any(key => key is null || key.Length == 0))
                {
                    return "a check key is empty";
                }
                return null;
            case JournalRecordKind.CommitFragment:
                return record.CommitTimestamp == 0 && record.StartTimestamp == 0 && record.ClosedTimestamp == 0
                    ? null
                    : "a leading fragment carries timestamps (only the final record commits)";
            case JournalRecordKind.Prepare:
                if (record.CommitTimestamp <= record.StartTimestamp)
                {
                    return "a prepare's proposed timestamp is not after the start timestamp";
                }
                if (record.Writes.Any(write => write is null || write.Key is null || write.Key.Length == 0))
                {
                    return "a write has an empty key";
                }
                return ValidateParticipants(record);
            case JournalRecordKind.Decision:
                return record.Writes.Count == 0 ? ValidateParticipants(record) : "a decision carries writes";
            case JournalRecordKind.RegionSeal:
            case JournalRecordKind.RegionRejoin:
                return ValidateRegionRecord(record);
            case JournalRecordKind.CommitBatch:
                return RegionCommitBatch.Validate(record);
            case JournalRecordKind.Heartbeat:
            case JournalRecordKind.EpochStart:
                return record.Writes.Count == 0 ? null : "a non-commit record carries writes";
            default:
                return $"unknown record kind {(int)record.Kind}";
        }
    }

    private static string? ValidateRegionRecord(JournalRecord record)
    {
        if (record.FormatVersion < JournalRecord.RegionFormatVersion)
        {
            return $"format version {record.FormatVersion} has no region records";
        }
        if (record.Writes.Count != 0)
        {
            return "a region record carries writes";
        }
        if (record.Kind == JournalRecordKind.RegionRejoin && (string.IsNullOrEmpty(record.Region) || record.ClosedTimestamp == 0))
        {
            return "a region rejoin names no region or no closed timestamp";
        }
        return null;
    }

    private static string? ValidateParticipants(JournalRecord record)
    {
        if (record.FormatVersion < JournalRecord.CrossShardFormatVersion)
        {
            return $"format version {record.FormatVersion} has no cross-shard records";
        }
        var participants = record.Participants;
        if (participants is null || participants.Count < 2)
        {
            return "a cross-shard record names fewer than two participants";
        }
        for (var index = 1; index < participants.Count; index++)
        {
            if (participants[index] <= participants[index - 1])
            {
                return "a cross-shard record's participants are not ascending";
            }
        }
        if (participants[0] < 0 || record.Coordinator != participants[0])
        {
            return "a cross-shard record's coordinator is not its lowest participant";
        }
        if (!participants.Contains(record.Shard))
        {
            return $"shard {record.Shard} writes a cross-shard record it takes no part in";
        }
        return null;
    }

    private static string? ValidateFragmentFields(JournalRecord record)
    {
        if (record.FormatVersion < 2 && (record.FragmentCount != 1 || record.Kind == JournalRecordKind.CommitFragment))
        {
            return $"format version {record.FormatVersion} has no fragments";
        }
        if (record.FragmentCount < 1 || record.FragmentCount > JournalLimits.FragmentsPerTransactionMax)
        {
            return $"fragment count {record.FragmentCount} outside 1..{JournalLimits.FragmentsPerTransactionMax}";
        }
        if (record.FragmentIndex < 0 || record.FragmentIndex >= record.FragmentCount)
        {
            return $"fragment index {record.FragmentIndex} outside 0..{record.FragmentCount - 1}";
        }
        if (!record.IsFragment)
        {
            if (record.Kind == JournalRecordKind.CommitFragment)
            {
                return "a fragment of a transaction that has only one record";
            }
            return record.FragmentBytes is null && record.WriteSetBytes == 0
                ? null
                : "an unfragmented record carries fragment bytes";
        }
        if (record.Kind is not (JournalRecordKind.Commit or JournalRecordKind.CommitFragment))
        {
            return $"a {record.Kind} record cannot be a fragment";
        }
        if (record.Writes.Count != 0)
        {
            return "a fragment carries writes outside its fragment bytes";
        }
        if (record.FragmentBytes is null || record.FragmentBytes.Length == 0
            || record.FragmentBytes.Length > JournalLimits.FragmentPayloadBytes)
        {
            return $"fragment bytes missing or above {JournalLimits.FragmentPayloadBytes}";
        }
        var isLast = record.FragmentIndex == record.FragmentCount - 1;
        if (isLast != (record.Kind == JournalRecordKind.Commit))
        {
            return "only the last fragment of a transaction is its Commit record";
        }
        if (isLast)
        {
            // Every fragment carries at least one byte, none more than the payload limit.
            if (record.WriteSetBytes < record.FragmentCount || record.WriteSetBytes > (long)record.FragmentCount * JournalLimits.FragmentPayloadBytes)
            {
                return $"write set length {record.WriteSetBytes} does not fit {record.FragmentCount} fragments";
            }
        }
        else if (record.WriteSetBytes != 0)
        {
            return "a leading fragment carries the write set length";
        }
        return null;
    }
}
