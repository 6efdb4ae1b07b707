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

    public static byte[] Encode(JournalRecord record)
    {
        var problem = Validate(record);
        if (problem is not null)
        {
            throw new ArgumentException($"Refusing to write an invalid journal record: {problem}", nameof(record));
        }
        return MessagePackSerializer.Serialize(record, Options);
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

    /// <summary>Returns null when the record is well formed, else what is wrong with it.</summary>
    public static string? Validate(JournalRecord record)
    {
        if (record.FormatVersion != JournalRecord.CurrentFormatVersion)
        {
            return $"unknown format version {record.FormatVersion}";
        }
        if (record.Writes is null)
        {
            return "missing write set";
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
                return null;
            case JournalRecordKind.Heartbeat:
            case JournalRecordKind.EpochStart:
                return record.Writes.Count == 0 ? null : "a non-commit record carries writes";
            default:
                return $"unknown record kind {(int)record.Kind}";
        }
    }
}
