using Log.Journal.Time;

namespace Log.StorageNode;

public sealed partial class StorageNode : INewestVersionLookup
{
    public HybridTimestamp NewestCommitTimestamp(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (versions is null || Volatile.Read(ref disposed) != 0)
        {
            return HybridTimestamp.Zero;
        }
        var store = EnterRead();
        try
        {
            return new HybridTimestamp(store.NewestCommitTimestamp(key));
        }
        finally
        {
            ExitRead();
        }
    }
}
