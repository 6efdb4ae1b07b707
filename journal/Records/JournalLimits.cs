namespace Log.Journal.Records;

/// <summary>
/// The sizes that the journal's writers, readers and the journal node must agree on, in one place.
///
/// A Kafka cluster with default settings refuses a record batch above 1,048,588 bytes (the broker's
/// message.max.bytes), and librdkafka refuses to send a message above its own message.max.bytes
/// (1,000,000 by default). A transaction may write 10 MiB, so a large transaction cannot be one
/// record: its write set is split into fragments of at most <see cref="FragmentPayloadBytes"/>
/// (see <see cref="JournalFragmenter"/>), and no record, fragment or not, may encode to more than
/// <see cref="RecordBytesMax"/>. The constants below are checked against each other when this
/// file compiles: a change that breaks the chain fails the build.
/// </summary>
public static class JournalLimits
{
    /// <summary>Bytes of encoded write set carried by one record. Well under a megabyte, so that a
    /// fragment plus its envelope and the Kafka batch around it fits any default broker and producer.</summary>
    public const int FragmentPayloadBytes = 512 * 1024;

    /// <summary>Upper bound of everything in a record that is not its write set or fragment payload
    /// (kind, version, transaction id, timestamps, shard, epoch, fragment fields, MessagePack headers).
    /// About 120 bytes today; the codec refuses a record whose envelope outgrows this.</summary>
    public const int RecordEnvelopeBytesMax = 1024;

    /// <summary>The largest encoded record any writer may produce; the codec refuses to encode more.</summary>
    public const int RecordBytesMax = FragmentPayloadBytes + RecordEnvelopeBytesMax;

    /// <summary>Kafka's record batch header (61 bytes) plus one record's header (key, varints,
    /// no headers) for a value of <see cref="RecordBytesMax"/>, rounded up generously.</summary>
    public const int BatchFramingBytesMax = 256;

    /// <summary>Most fragments one transaction may take: bounds what a reader holds while it assembles
    /// one. 64 fragments carry 32 MiB of write set, far above the 10 MiB a transaction may write.</summary>
    public const int FragmentsPerTransactionMax = 64;

    /// <summary>The largest encoded write set of one transaction.</summary>
    public const long WriteSetBytesMax = (long)FragmentsPerTransactionMax * FragmentPayloadBytes;

    /// <summary>The producer's message.max.bytes and batch.size: librdkafka's default, so a record
    /// we write is never refused by the client, and a batch never by a default broker.</summary>
    public const int ProducerMessageBytesMax = 1_000_000;

    /// <summary>A default Kafka broker's message.max.bytes (1 MiB + 12), the largest record batch it
    /// accepts; the journal node's default for the same limit.</summary>
    public const int BrokerBatchBytesMax = 1024 * 1024 + 12;

    // Compile-time checks: a negative constant converted to uint does not compile (CS0221).
    private const uint RecordAndFramingFitTheProducer = (uint)(ProducerMessageBytesMax - RecordBytesMax - BatchFramingBytesMax);
    private const uint ProducerFitsTheBroker = (uint)(BrokerBatchBytesMax - ProducerMessageBytesMax);
}
