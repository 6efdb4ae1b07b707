namespace Log.QueryNode.Sql.Executor;

/// <summary>A session's memory of sequences (PostgreSQL's SeqTable and last_used_seq): the value nextval or setval
/// last gave it for each sequence, which currval reads, and the sequence nextval last advanced, which lastval reads.
/// Not undone by a rollback, as in PostgreSQL.</summary>
public sealed class SessionSequenceValues
{
    private readonly Dictionary<long, long> _current = [];

    /// <summary>The sequence of the last nextval (and its name then), or null before the first.</summary>
    internal (long Id, string Name)? Last { get; private set; }

    internal bool TryGetCurrent(long sequenceId, out long value) => _current.TryGetValue(sequenceId, out value);

    internal void SetCurrent(long sequenceId, string name, long value, bool isLast)
    {
        _current[sequenceId] = value;
        if (isLast) Last = (sequenceId, name);
    }
}
