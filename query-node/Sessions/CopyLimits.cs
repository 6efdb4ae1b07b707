namespace Log.QueryNode.Sessions;

/// <summary>Limits of COPY in one place.</summary>
internal static class CopyLimits
{
    /// <summary>Bytes of client data handed to the row reader at a time; rows are taken out after each slice, so the
    /// reader holds at most one unfinished line plus this.</summary>
    public const int AppendChunkBytes = 64 * 1024;

    /// <summary>Longest line of COPY data, in bytes (PostgreSQL's limit is 1 GB, its largest string buffer; ours is the
    /// transaction's 10 MiB, as a longer row could not be written anyway). Beyond it: 54000 "out of memory".</summary>
    public const int LineBytesMax = 10 * 1024 * 1024;
}
