namespace Log.Integration.Tests.Faults.ListAppend;

/// <summary>What the client saw of a transaction's end.</summary>
public enum TransactionOutcome
{
    /// <summary>COMMIT returned success.</summary>
    Committed,

    /// <summary>The server refused or rolled it back (40001 and any other error it answered).</summary>
    Aborted,

    /// <summary>No answer to COMMIT (the connection broke): it may have committed or not.</summary>
    Unknown,
}

/// <summary>One step of a list-append transaction.</summary>
public abstract record MicroOperation(long Key);

/// <summary>The whole list of <see cref="MicroOperation.Key"/> as the transaction read it (empty when the key had none).</summary>
public sealed record ReadOperation(long Key, IReadOnlyList<long> Values) : MicroOperation(Key)
{
    public override string ToString() => $"r({Key})=[{string.Join(',', Values)}]";
}

/// <summary>Appends <see cref="Value"/> to the list of <see cref="MicroOperation.Key"/>. Every appended value is unique in a history.</summary>
public sealed record AppendOperation(long Key, long Value) : MicroOperation(Key)
{
    public override string ToString() => $"a({Key},{Value})";
}

public sealed record ListAppendTransaction(int Id, TransactionOutcome Outcome, IReadOnlyList<MicroOperation> Operations)
{
    public override string ToString() => $"T{Id}[{Outcome}: {string.Join(' ', Operations)}]";
}

/// <summary>Kinds of anomaly, in Adya's terms as Elle uses them.</summary>
public enum AnomalyKind
{
    /// <summary>Write cycle: a cycle of write-write dependencies only.</summary>
    G0,

    /// <summary>Aborted read: a committed transaction (or the final state) saw a write of an aborted transaction.</summary>
    G1a,

    /// <summary>Intermediate read: a transaction saw a state that another transaction's later append overwrote before it committed.</summary>
    G1b,

    /// <summary>Circular information flow: a cycle of write-write and write-read dependencies.</summary>
    G1c,

    /// <summary>Read skew: a cycle with exactly one read-write (anti-)dependency.</summary>
    GSingle,

    /// <summary>A cycle with two or more read-write dependencies, such as write skew: allowed under snapshot isolation.</summary>
    G2,

    /// <summary>Two committed transactions read the same version of a key and both appended to it.</summary>
    LostUpdate,

    /// <summary>A committed append that is missing from the final list.</summary>
    LostAppend,

    /// <summary>A read that is not a prefix of the final list: no single order of versions explains it.</summary>
    IncompatibleOrder,

    /// <summary>A value read (or in the final list) that no transaction appended, or appended twice.</summary>
    GarbageRead,
}

public enum DependencyKind
{
    WriteWrite,
    WriteRead,
    ReadWrite,
}

public sealed record Dependency(int From, int To, DependencyKind Kind, long Key)
{
    public override string ToString() => $"T{From} -{Kind switch
    {
        DependencyKind.WriteWrite => "ww",
        DependencyKind.WriteRead => "wr",
        _ => "rw",
    }}({Key})-> T{To}";
}

public sealed record Anomaly(AnomalyKind Kind, string Description, IReadOnlyList<int> Transactions)
{
    /// <summary>Snapshot isolation allows G2 (write skew) and nothing else in this list.</summary>
    public bool IsAllowedUnderSnapshotIsolation => Kind == AnomalyKind.G2;

    public override string ToString() => $"{Kind}: {Description}";
}

public sealed class ListAppendReport
{
    public required IReadOnlyList<Anomaly> Anomalies { get; init; }

    public required IReadOnlyList<Dependency> Dependencies { get; init; }

    /// <summary>Transactions taken as committed: those acknowledged, and those of unknown outcome whose appends are visible.</summary>
    public required int CommittedCount { get; init; }

    public IEnumerable<Anomaly> Errors => Anomalies.Where(anomaly => !anomaly.IsAllowedUnderSnapshotIsolation);

    public bool Has(AnomalyKind kind) => Anomalies.Any(anomaly => anomaly.Kind == kind);

    public override string ToString() =>
        $"{CommittedCount} committed, {Dependencies.Count} dependencies, {Anomalies.Count} anomalies" +
        string.Concat(Anomalies.Take(40).Select(anomaly => $"\n  {anomaly}"));
}
