namespace Log.Adjudicator;

/// <summary>
/// The shard stopped serving because an append to its partition failed (or its start failed).
/// After a failed append the shard cannot know whether the record is in the journal, so it can
/// promise nothing about what lies below an offset; a new shard instance that rebuilds from the
/// partition can (<see cref="AdjudicatorSupervisor"/> starts one). A call refused with this
/// exception was not decided, so it may be sent to the new shard. The inner exception is the journal's.
/// </summary>
public sealed class AdjudicatorFaultedException : Exception
{
    public AdjudicatorFaultedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
