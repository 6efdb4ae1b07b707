using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Log.StorageNode;

/// <summary>A file of a checkpoint (relative to the store's folder), its length and SHA-256.</summary>
internal sealed record FileChecksum(string Path, long LengthBytes, string Sha256);

/// <summary>SHA-256 of the hybrid log's bytes in [From, Until).</summary>
internal sealed record LogRangeChecksum(long From, long Until, string Sha256);

/// <summary>
/// What one checkpoint is: the FASTER checkpoint token, the journal position it covers (every record of
/// <see cref="JournalTopic"/> partition <see cref="Partition"/> below <see cref="NextOffset"/> is in it, none at or
/// above), the resolved timestamp at that point, and checksums of everything a recovery from it reads: FASTER's
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
    /// <summary>Bumped when the meaning of any field or file changes; a manifest of another version is not used.</summary>
    public const int CurrentFormatVersion = 1;

    private const string ChecksumPrefix = "sha256 ";

    public required int FormatVersion { get; init; }

    /// <summary>Orders checkpoints: each is one more than the newest before it.</summary>
    public required long Sequence { get; init; }

    /// <summary>FASTER's hybrid log checkpoint, which names the checkpoint.</summary>
    public required Guid Token { get; init; }

    /// <summary>FASTER's index checkpoint, taken just before the log checkpoint.</summary>
    public required Guid IndexToken { get; init; }
    public required string JournalTopic { get; init; }
    public required int Partition { get; init; }
    public required long NextOffset { get; init; }
    public required ulong ResolvedTimestamp { get; init; }
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
            if (manifest.FormatVersion != CurrentFormatVersion)
            {
                problem = $"its format version is {manifest.FormatVersion}, this node reads {CurrentFormatVersion}";
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
