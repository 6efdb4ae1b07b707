using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Log.StorageNode;

/// <summary>A file of a checkpoint (relative to the store's folder), its length and SHA-256, and the SHA-256 of each of its
/// pieces of <see cref="PieceBytes"/> in order (null in manifests written before them, and for the key file): a recovery
/// checks the pieces side by side instead of hashing the file whole on one thread (FASTER's hash index checkpoint is
/// 74 MB at 10,000,000 keys). Every piece matching, and the length, is every byte matching.</summary>
internal sealed record FileChecksum(string Path, long LengthBytes, string Sha256, IReadOnlyList<string>? PieceSha256 = null)
{
    /// <summary>Bytes of one piece (the last is shorter).</summary>
    public const int PieceBytes = 8 << 20;
}

/// <summary>SHA-256 of the hybrid log's bytes in [From, Until).</summary>
internal sealed record LogRangeChecksum(long From, long Until, string Sha256);

/// <summary>Where a checkpoint stands in one journal partition: every record below <see cref="NextOffset"/> is in it,
/// none at or above; the greatest commit or closed timestamp applied from it (what the partition alone resolved); and
/// its writer epoch (<see cref="Log.Journal.Records.WriterEpochFilter"/>), so records a fenced writer appended after
/// the checkpoint stay ignored after a recovery.</summary>
internal sealed record PartitionPosition(int Partition, long NextOffset, ulong ResolvedTimestamp, long WriterEpoch);

/// <summary>
/// What one checkpoint is: the FASTER checkpoint token, the journal position it covers in every partition the replica
/// applies (<see cref="Partitions"/>: every record of <see cref="JournalTopic"/> below each partition's next offset is
/// in it, none at or above), the resolved timestamp at that point (the minimum over partitions), and checksums of everything a recovery from it reads: FASTER's
/// checkpoint files, the ordered key file, and the hybrid log up to <see cref="LogFinalAddress"/> in fixed chunks
/// (a chunk that a previous checkpoint already covered whole is not read again).
/// <para>
/// On disk: the manifest's JSON, a newline, "sha256 " and the hex SHA-256 of the JSON, a newline. It is written to a
/// temporary file, flushed to disk, renamed over its final name and the folder flushed, so a crash leaves either no
/// manifest or a whole one; a torn or edited one fails its own checksum and is never used.
/// </para>
/// </summary>
internal sealed record CheckpointManifest
{
    /// <summary>Bumped when the meaning of any field or file changes; a manifest of another version is not used, except
    /// the versions in <see cref="ReadableFormatVersions"/>. 2 added <see cref="Partitions"/> (a replica of several
    /// partitions); a version 1 manifest is one partition's, <see cref="Partition"/> at <see cref="NextOffset"/>. 3 stores
    /// a key's newest version only in its head record (<see cref="VersionStore"/>): versions 1 and 2 were written with a
    /// version record beside every head, and a folder of theirs is rebuilt from the journal rather than read and
    /// collected with the rules of 3.</summary>
    public const int CurrentFormatVersion = 3;

    /// <summary>Versions this node still recovers.</summary>
    private static readonly int[] ReadableFormatVersions = [CurrentFormatVersion];

    /// <summary>The last version whose folders hold a version record beside every head record.</summary>
    private const int TwoRecordsPerVersionFormatMax = 2;

    private const string ChecksumPrefix = "sha256 ";

    public required int FormatVersion { get; init; }

    /// <summary>Orders checkpoints: each is one more than the newest before it.</summary>
    public required long Sequence { get; init; }

    /// <summary>FASTER's hybrid log checkpoint, which names the checkpoint.</summary>
    public required Guid Token { get; init; }

    /// <summary>FASTER's index checkpoint, taken just before the log checkpoint.</summary>
    public required Guid IndexToken { get; init; }
    public required string JournalTopic { get; init; }

    /// <summary>The first partition of <see cref="Partitions"/> (the only one of a version 1 manifest).</summary>
    public required int Partition { get; init; }

    /// <summary>The next offset of <see cref="Partition"/> (see <see cref="Partitions"/> for every partition's).</summary>
    public required long NextOffset { get; init; }

    /// <summary>The replica's resolved timestamp: the minimum over <see cref="Partitions"/> of what each resolved.</summary>
    public required ulong ResolvedTimestamp { get; init; }

    /// <summary>Every partition the checkpoint covers, in partition order (version 2; null in version 1 manifests, see
    /// <see cref="Positions"/>).</summary>
    public IReadOnlyList<PartitionPosition>? Partitions { get; init; }

    /// <summary>What the journal reader needs to resume at <see cref="NextOffset"/> when its offsets differ from one start
    /// to the next (<see cref="IJournalResumePoints"/>, the merged stream of a multi-region replica); null otherwise.</summary>
    public byte[]? JournalPosition { get; init; }

    /// <summary>Every partition the checkpoint covers, whatever the version: a version 1 manifest covers one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<PartitionPosition> Positions =>
        Partitions ?? [new PartitionPosition(Partition, NextOffset, ResolvedTimestamp, WriterEpoch)];

    /// <summary>Journal records the checkpoint covers over every partition (the distance a later checkpoint is measured from).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long TotalNextOffset => Positions.Sum(position => position.NextOffset);
    public required long LogBeginAddress { get; init; }
    public required long LogFinalAddress { get; init; }
    public required int LogSegmentSizeBits { get; init; }
    public required long KeyCount { get; init; }
    public required DateTimeOffset CreatedUtc { get; init; }
    public required IReadOnlyList<FileChecksum> Files { get; init; }
    public required IReadOnlyList<LogRangeChecksum> LogChunks { get; init; }

    /// <summary>The partition's writer epoch at <see cref="NextOffset"/> (<see cref="Log.Journal.Records.WriterEpochFilter"/>),
    /// so records a fenced writer appended after it stay ignored after a recovery. 0 in manifests written before epochs
    /// were enforced.</summary>
    public long WriterEpoch { get; init; }

    public static string FileNameFor(long sequence) => $"manifest-{sequence:D12}.json";

    public byte[] Encode()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions);
        var checksum = Encoding.ASCII.GetBytes($"\n{ChecksumPrefix}{Convert.ToHexStringLower(SHA256.HashData(json))}\n");
        return [.. json, .. checksum];
    }

    /// <summary>The manifest in <paramref name="bytes"/>, or null with the reason it cannot be used.</summary>
    public static CheckpointManifest? Decode(ReadOnlySpan<byte> bytes, out string? problem)
    {
        problem = null;
        if (bytes.Length < 2 || bytes[^1] != (byte)'\n')
        {
            problem = "it is truncated (no final newline)";
            return null;
        }
        var body = bytes[..^1];
        var split = body.LastIndexOf((byte)'\n');
        if (split < 0)
        {
            problem = "it has no checksum line";
            return null;
        }
        var json = body[..split];
        var checksumLine = Encoding.ASCII.GetString(body[(split + 1)..]);
        if (!checksumLine.StartsWith(ChecksumPrefix, StringComparison.Ordinal)
            || !string.Equals(checksumLine[ChecksumPrefix.Length..], Convert.ToHexStringLower(SHA256.HashData(json)), StringComparison.Ordinal))
        {
            problem = "its checksum does not match its contents";
            return null;
        }
        try
        {
            var manifest = JsonSerializer.Deserialize<CheckpointManifest>(json, JsonOptions);
            if (manifest is null)
            {
                problem = "it is empty";
                return null;
            }
            if (!ReadableFormatVersions.Contains(manifest.FormatVersion))
            {
                problem = manifest.FormatVersion <= TwoRecordsPerVersionFormatMax
                    ? $"its format version is {manifest.FormatVersion}, written with two records per row version; this node reads format " +
                      $"{CurrentFormatVersion} (one record per new row), so the folder is rebuilt from the journal"
                    : $"its format version is {manifest.FormatVersion}, this node reads {string.Join(" and ", ReadableFormatVersions)}";
                return null;
            }
            if (manifest.FormatVersion >= 2 && (manifest.Partitions is not { Count: > 0 } positions || positions[0].Partition != manifest.Partition
                || positions[0].NextOffset != manifest.NextOffset || positions.Select(position => position.Partition).Distinct().Count() != positions.Count))
            {
                problem = "its partitions are missing, repeated or disagree with its first partition";
                return null;
            }
            return manifest;
        }
        catch (JsonException exception)
        {
            problem = $"it is not a manifest: {exception.Message}";
            return null;
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
