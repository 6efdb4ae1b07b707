namespace Log.Journal.Client;

/// <summary>
/// An append that failed, with what the writer knows about it, so that the caller can tell a
/// transaction that certainly did not commit from one whose outcome is unknown.
/// </summary>
public sealed class JournalAppendException : Exception
{
    public JournalAppendException(string message, bool mayHaveBeenWritten, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        MayHaveBeenWritten = mayHaveBeenWritten;
        IsTransient = isTransient;
    }

    /// <summary>False only when the writer knows that the record is not, and will never be, in the
    /// partition (it was refused before or by the broker); true when it may be there, or appear.</summary>
    public bool MayHaveBeenWritten { get; }

    /// <summary>True when the same append may succeed if tried again later (a timeout, no leader, a
    /// broken connection); false when it never will (the record is refused as such).</summary>
    public bool IsTransient { get; }
}
