namespace Log.Journal.Rpc;

/// <summary>The connection to a role broke (or could not be used) during a call.
/// <see cref="MayHaveBeenSent"/> says whether the request may have reached the role: if it did, a commit may
/// have been decided, which is why the adjudicator's client sends it again with the same transaction id rather than give up.</summary>
public sealed class RpcConnectionLostException(string message, bool mayHaveBeenSent, Exception? innerException = null)
    : IOException(message, innerException)
{
    public bool MayHaveBeenSent { get; } = mayHaveBeenSent;
}
