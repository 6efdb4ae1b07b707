namespace Log.StorageNode;

internal sealed partial class VersionStore
{
    /// <summary>The commit timestamp of the key's head record (its newest version, a tombstone too), 0 when it has none:
    /// one lookup in FASTER's hash index, the same a read makes before it walks back to the version it shows.</summary>
    public ulong NewestCommitTimestamp(byte[] key)
    {
        var session = RentReadSession();
        var context = session.UnsafeContext;
        context.BeginUnsafe();
        try
        {
            return ReadRaw(context, HeadKey(key)) is { } head ? head.CommitTimestamp : 0;
        }
        finally
        {
            context.EndUnsafe();
            ReturnReadSession(session);
        }
    }
}
