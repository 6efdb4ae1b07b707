using Log.Journal.Time;

namespace Log.StorageNode.Tools;

/// <summary>The lines the tools print, in one place so that tests and scripts parse one format:
/// <c>digest HEX offset N timestamp VALUE (MS.LOGICAL) keys N</c>.</summary>
internal static class ToolOutput
{
    public static string DigestLine(byte[] digest, long nextOffset, HybridTimestamp at, long keyCount) =>
        $"digest {Convert.ToHexStringLower(digest)} offset {nextOffset} timestamp {at.Value} ({at}) keys {keyCount}";

    public static string CheckpointLine(StorageCheckpoint checkpoint) =>
        $"checkpoint {checkpoint.Sequence} token {checkpoint.Token} offset {checkpoint.NextOffset} timestamp {checkpoint.ResolvedTimestamp.Value} ({checkpoint.ResolvedTimestamp})";
}
