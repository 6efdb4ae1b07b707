namespace Log.Integration.Tests.Faults.ListAppend;

/// <summary>
/// Hand-built histories, one per anomaly, so that the checker is seen to find what the workload
/// test says is absent; a write skew must come out as G2 and not as an error; a clean history
/// must come out clean.
/// </summary>
public sealed class ListAppendCheckerTests
{
    private static ListAppendTransaction Committed(int id, params MicroOperation[] operations) =>
        new(id, TransactionOutcome.Committed, operations);

    private static ListAppendTransaction Aborted(int id, params MicroOperation[] operations) =>
        new(id, TransactionOutcome.Aborted, operations);

    private static ListAppendTransaction Unknown(int id, params MicroOperation[] operations) =>
        new(id, TransactionOutcome.Unknown, operations);

    private static ReadOperation Read(long key, params long[] values) => new(key, values);

    private static AppendOperation Append(long key, long value) => new(key, value);

    private static Dictionary<long, IReadOnlyList<long>> Final(params (long Key, long[] Values)[] lists) =>
        lists.ToDictionary(list => list.Key, list => (IReadOnlyList<long>)list.Values);

    private static ListAppendReport Check(Dictionary<long, IReadOnlyList<long>> final, params ListAppendTransaction[] history) =>
        ListAppendChecker.Check(history, final);

    [Fact]
    public void CleanHistoryHasNoAnomaly()
    {
        // Serial: T1, T2, T3, with a concurrent read-only T4 on an older snapshot and an unknown T5 that did commit.
        var report = Check(Final((1, [10, 20]), (2, [30, 50])),
            Committed(1, Read(1), Append(1, 10)),
            Committed(2, Read(1, 10), Read(2), Append(1, 20), Append(2, 30)),
            Committed(3, Read(1, 10, 20), Read(2, 30)),
            Committed(4, Read(1, 10), Read(2)),
            Unknown(5, Read(2, 30), Append(2, 50)),
            Aborted(6, Read(2, 30), Append(2, 40)),
            Unknown(7, Read(1, 10, 20), Append(1, 60)));
        Assert.Empty(report.Anomalies);
        Assert.Equal(5, report.CommittedCount);
        Assert.Contains(new Dependency(1, 2, DependencyKind.WriteWrite, 1), report.Dependencies);
        Assert.Contains(new Dependency(1, 4, DependencyKind.WriteRead, 1), report.Dependencies);
        Assert.Contains(new Dependency(4, 2, DependencyKind.ReadWrite, 1), report.Dependencies);
    }

    [Fact]
    public void WriteCycleIsG0()
    {
        var report = Check(Final((1, [1, 3]), (2, [4, 2])),
            Committed(1, Append(1, 1), Append(2, 2)),
            Committed(2, Append(1, 3), Append(2, 4)));
        Assert.True(report.Has(AnomalyKind.G0), report.ToString());
        Assert.NotEmpty(report.Errors);
    }

    [Fact]
    public void ReadOfAnAbortedAppendIsG1a()
    {
        var report = Check(Final((1, [])),
            Aborted(1, Append(1, 1)),
            Committed(2, Read(1, 1)));
        Assert.True(report.Has(AnomalyKind.G1a), report.ToString());
    }

    [Fact]
    public void AbortedAppendInTheFinalStateIsG1a()
    {
        var report = Check(Final((1, [1])),
            Aborted(1, Read(1), Append(1, 1)));
        Assert.True(report.Has(AnomalyKind.G1a), report.ToString());
    }

    [Fact]
    public void ReadOfAnIntermediateStateIsG1b()
    {
        var report = Check(Final((1, [1, 2])),
            Committed(1, Append(1, 1), Append(1, 2)),
            Committed(2, Read(1, 1)));
        Assert.True(report.Has(AnomalyKind.G1b), report.ToString());
    }

    [Fact]
    public void CircularInformationFlowIsG1c()
    {
        // Each saw the other's append: a cycle of wr edges.
        var report = Check(Final((1, [1]), (2, [2])),
            Committed(1, Append(1, 1), Read(2, 2)),
            Committed(2, Append(2, 2), Read(1, 1)));
        Assert.True(report.Has(AnomalyKind.G1c), report.ToString());
        Assert.False(report.Has(AnomalyKind.G0), report.ToString());
    }

    [Fact]
    public void ReadSkewIsGSingle()
    {
        // T2 sees T1's append to key 1 but not its append to key 2: T1 -wr-> T2 -rw-> T1.
        var report = Check(Final((1, [1]), (2, [2])),
            Committed(1, Append(1, 1), Append(2, 2)),
            Committed(2, Read(1, 1), Read(2)));
        Assert.True(report.Has(AnomalyKind.GSingle), report.ToString());
        Assert.False(report.Has(AnomalyKind.G2), report.ToString());
    }

    [Fact]
    public void LostUpdateIsReported()
    {
        // Both read the empty list and appended: under first-committer-wins one of them must fail.
        var report = Check(Final((1, [1, 2])),
            Committed(1, Read(1), Append(1, 1)),
            Committed(2, Read(1), Append(1, 2)));
        Assert.True(report.Has(AnomalyKind.LostUpdate), report.ToString());
    }

    [Fact]
    public void CommittedAppendMissingFromTheFinalListIsLost()
    {
        var report = Check(Final((1, [2])),
            Committed(1, Append(1, 1)),
            Committed(2, Read(1), Append(1, 2)));
        Assert.True(report.Has(AnomalyKind.LostAppend), report.ToString());
    }

    [Fact]
    public void ReadThatIsNotAPrefixOfTheFinalListIsAnIncompatibleOrder()
    {
        var report = Check(Final((1, [1, 2])),
            Committed(1, Append(1, 1)),
            Committed(2, Append(1, 2)),
            Committed(3, Read(1, 2)));
        Assert.True(report.Has(AnomalyKind.IncompatibleOrder), report.ToString());
    }

    [Fact]
    public void ReadOfAValueNobodyAppendedIsGarbage()
    {
        var report = Check(Final((1, [1])),
            Committed(1, Append(1, 1)),
            Committed(2, Read(1, 1, 99)));
        Assert.True(report.Has(AnomalyKind.GarbageRead), report.ToString());
    }

    [Fact]
    public void WriteSkewIsG2AndAllowedUnderSnapshotIsolation()
    {
        // Both read both keys empty, each appends to a different one: T1 -rw-> T2 -rw-> T1.
        var report = Check(Final((1, [1]), (2, [2])),
            Committed(1, Read(1), Read(2), Append(1, 1)),
            Committed(2, Read(1), Read(2), Append(2, 2)));
        Assert.True(report.Has(AnomalyKind.G2), report.ToString());
        Assert.Empty(report.Errors);
        Assert.Contains(new Dependency(1, 2, DependencyKind.ReadWrite, 2), report.Dependencies);
        Assert.Contains(new Dependency(2, 1, DependencyKind.ReadWrite, 1), report.Dependencies);
    }

    [Fact]
    public void ReadYourOwnAppendIsNoDependency()
    {
        var report = Check(Final((1, [1, 2])),
            Committed(1, Read(1), Append(1, 1)),
            Committed(2, Read(1, 1), Append(1, 2), Read(1, 1, 2)));
        Assert.Empty(report.Anomalies);
        Assert.DoesNotContain(report.Dependencies, dependency => dependency.From == dependency.To);
    }
}
