using System.Security.Cryptography;

namespace Log.StorageNode.Tests;

/// <summary>
/// A checkpoint file is checked in pieces (<see cref="FileChecksum.PieceBytes"/>) hashed side by side when its manifest
/// gives their checksums, and whole as before when it does not (a manifest written before them): either way a file with
/// any byte changed, or pieces that do not cover it, fails the check. The files here are FASTER's index checkpoint as a
/// recovery finds it (its folder under the token), with made-up contents larger than two pieces.
/// </summary>
public sealed class CheckpointFilePiecesTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "log-checkpoint-pieces-" + Guid.NewGuid().ToString("N"));
    private readonly Guid indexToken = Guid.NewGuid();
    private readonly Guid logToken = Guid.NewGuid();
    private readonly string relativePath;
    private readonly byte[] contents;

    public CheckpointFilePiecesTests()
    {
        relativePath = Path.Combine(VersionStore.FasterCheckpointFolderName, "index-checkpoints", indexToken.ToString(), "ht.dat.0");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(directory, relativePath))!);
        // Two whole pieces and a part of a third.
        contents = new byte[2 * FileChecksum.PieceBytes + 12_345];
        new Random(5).NextBytes(contents);
        File.WriteAllBytes(Path.Combine(directory, relativePath), contents);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void AFileChecksumHoldsTheWholeFilesHashAndOneHashPerPiece()
    {
        var checksum = StorageNode.ChecksumFile(directory, relativePath);

        Assert.Equal(contents.Length, checksum.LengthBytes);
        // The whole file's hash is what it was before pieces (a checkpoint's copy compares it).
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(contents)), checksum.Sha256);
        Assert.Equal(3, checksum.PieceSha256!.Count);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(contents.AsSpan(FileChecksum.PieceBytes, FileChecksum.PieceBytes))), checksum.PieceSha256[1]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(contents.AsSpan(2 * FileChecksum.PieceBytes))), checksum.PieceSha256[2]);
    }

    [Fact]
    public void ASoundFilePassesWithOrWithoutPieces()
    {
        var checksum = StorageNode.ChecksumFile(directory, relativePath);

        Assert.Null(StorageNode.CheckFiles(directory, Manifest(checksum)));
        Assert.Null(StorageNode.CheckFiles(directory, Manifest(checksum with { PieceSha256 = null })));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(FileChecksum.PieceBytes + 7)]
    [InlineData(2 * FileChecksum.PieceBytes + 12_344)]
    public void AChangedByteFailsTheCheckWithOrWithoutPieces(int offset)
    {
        var checksum = StorageNode.ChecksumFile(directory, relativePath);
        CheckpointTests.DamageFile(Path.Combine(directory, relativePath), offset, CheckpointTests.Damage.FlipByte);

        var piece = offset / FileChecksum.PieceBytes;
        Assert.Equal($"its file {checksum.Path} fails its checksum (bytes {(long)piece * FileChecksum.PieceBytes} to {Math.Min((piece + 1L) * FileChecksum.PieceBytes, contents.Length)})",
            StorageNode.CheckFiles(directory, Manifest(checksum)));
        Assert.Equal($"its file {checksum.Path} fails its checksum", StorageNode.CheckFiles(directory, Manifest(checksum with { PieceSha256 = null })));
    }

    [Fact]
    public void PiecesThatDoNotCoverTheFileFailTheCheck()
    {
        var checksum = StorageNode.ChecksumFile(directory, relativePath);

        Assert.Equal($"its file {checksum.Path} has 3 pieces, the manifest names 2",
            StorageNode.CheckFiles(directory, Manifest(checksum with { PieceSha256 = checksum.PieceSha256!.Take(2).ToList() })));
    }

    [Fact]
    public void ATruncatedFileFailsOnItsLength()
    {
        var checksum = StorageNode.ChecksumFile(directory, relativePath);
        CheckpointTests.DamageFile(Path.Combine(directory, relativePath), FileChecksum.PieceBytes, CheckpointTests.Damage.Truncate);

        Assert.Equal($"its file {checksum.Path} has {FileChecksum.PieceBytes} bytes, the manifest says {contents.Length}",
            StorageNode.CheckFiles(directory, Manifest(checksum)));
    }

    [Fact]
    public void PiecesSurviveTheManifestsEncoding()
    {
        var checksum = StorageNode.ChecksumFile(directory, relativePath);

        var decoded = CheckpointManifest.Decode(Manifest(checksum).Encode(), out var problem);

        Assert.Null(problem);
        Assert.Equal(checksum.PieceSha256, decoded!.Files.Single().PieceSha256);
        Assert.Null(StorageNode.CheckFiles(directory, decoded));
    }

    /// <summary>A manifest naming only <paramref name="file"/>, with an empty log range (nothing of the log to check).</summary>
    private CheckpointManifest Manifest(FileChecksum file) => new()
    {
        FormatVersion = CheckpointManifest.CurrentFormatVersion,
        Sequence = 1,
        Token = logToken,
        IndexToken = indexToken,
        JournalTopic = "log.test",
        Partition = 0,
        NextOffset = 1,
        Partitions = [new PartitionPosition(0, 1, 10, 0)],
        ResolvedTimestamp = 10,
        LogBeginAddress = 64,
        LogFinalAddress = 64,
        LogSegmentSizeBits = 26,
        KeyCount = 0,
        CreatedUtc = DateTimeOffset.UnixEpoch,
        Files = [file],
        LogChunks = [],
    };
}
