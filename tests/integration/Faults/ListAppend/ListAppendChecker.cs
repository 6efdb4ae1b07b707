namespace Log.Integration.Tests.Faults.ListAppend;

/// <summary>
/// An Elle-style checker for list-append histories. Because every appended value is unique and a
/// list only grows, the final list of a key is the order of its versions, and a read (a prefix of
/// it) names exactly the version it saw and who wrote it. From that it derives the dependency graph
/// between committed transactions:
/// <list type="bullet">
/// <item>ww: T1 appended the value just before T2's in a key's final list;</item>
/// <item>wr: T2 read a list whose last element T1 appended;</item>
/// <item>rw: T1 read a version of a key and T2 appended the next one.</item>
/// </list>
/// Cycles are then classified: only ww (G0), ww and wr (G1c), exactly one rw (G-single), two or
/// more rw (G2, which snapshot isolation allows: write skew). Aborted and intermediate reads, lost
/// updates, lost appends and reads that fit no order are checked on the side. A transaction's reads
/// are taken to precede its own appends to the same key (the workload reads before it writes);
/// values it appended itself are stripped from the end of its reads before edges are drawn.
/// </summary>
public static class ListAppendChecker
{
    /// <summary>Anomalies reported per kind; the rest are counted, not listed.</summary>
    private const int AnomaliesPerKindMax = 20;

    public static ListAppendReport Check(IReadOnlyList<ListAppendTransaction> history,
        IReadOnlyDictionary<long, IReadOnlyList<long>> finalLists)
    {
        var anomalies = new List<Anomaly>();
        void Report(AnomalyKind kind, string description, params int[] transactions)
        {
            if (anomalies.Count(anomaly => anomaly.Kind == kind) < AnomaliesPerKindMax)
            {
                anomalies.Add(new Anomaly(kind, description, transactions));
            }
        }

        var byId = history.ToDictionary(transaction => transaction.Id);
        var writerOf = new Dictionary<(long Key, long Value), int>();
        // The values each transaction appended to each key, in the order it appended them.
        var appendsOf = new Dictionary<(int Transaction, long Key), List<long>>();
        foreach (var transaction in history)
        {
            foreach (var append in transaction.Operations.OfType<AppendOperation>())
            {
                if (!writerOf.TryAdd((append.Key, append.Value), transaction.Id))
                {
                    Report(AnomalyKind.GarbageRead, $"value {append.Value} appended to key {append.Key} twice (T{writerOf[(append.Key, append.Value)]} and T{transaction.Id}): the history is not checkable",
                        writerOf[(append.Key, append.Value)], transaction.Id);
                }
                if (!appendsOf.TryGetValue((transaction.Id, append.Key), out var values))
                {
                    appendsOf[(transaction.Id, append.Key)] = values = [];
                }
                values.Add(append.Value);
            }
        }

        // Which transactions count as committed: the acknowledged ones, and those of unknown outcome
        // whose appends made it into the final state.
        var visibleWriters = finalLists.SelectMany(pair => pair.Value.Select(value => writerOf.GetValueOrDefault((pair.Key, value), -1)))
            .Where(id => id >= 0).ToHashSet();
        var committed = history.Where(transaction => transaction.Outcome == TransactionOutcome.Committed
                || (transaction.Outcome == TransactionOutcome.Unknown && visibleWriters.Contains(transaction.Id)))
            .Select(transaction => transaction.Id).ToHashSet();

        // The final state itself: every value written once, by a committed transaction; nothing committed missing.
        foreach (var (key, list) in finalLists)
        {
            var seen = new HashSet<long>();
            foreach (var value in list)
            {
                if (!seen.Add(value))
                {
                    Report(AnomalyKind.GarbageRead, $"value {value} appears twice in the final list of key {key}");
                }
                if (!writerOf.TryGetValue((key, value), out var writer))
                {
                    Report(AnomalyKind.GarbageRead, $"value {value} in the final list of key {key} was never appended");
                }
                else if (byId[writer].Outcome == TransactionOutcome.Aborted)
                {
                    Report(AnomalyKind.G1a, $"the final list of key {key} holds {value}, appended by aborted {byId[writer]}", writer);
                }
            }
        }
        foreach (var ((transactionId, key), values) in appendsOf)
        {
            if (committed.Contains(transactionId) && finalLists.TryGetValue(key, out var list))
            {
                foreach (var value in values.Where(value => !list.Contains(value)))
                {
                    Report(AnomalyKind.LostAppend, $"{byId[transactionId]} committed, but {value} is missing from the final list of key {key} [{string.Join(',', list)}]",
                        transactionId);
                }
            }
        }

        var dependencies = new List<Dependency>();
        // ww: consecutive values of a key's final list, appended by different committed transactions.
        foreach (var (key, list) in finalLists)
        {
            for (var index = 1; index < list.Count; index++)
            {
                if (writerOf.TryGetValue((key, list[index - 1]), out var before) && writerOf.TryGetValue((key, list[index]), out var after)
                    && before != after && committed.Contains(before) && committed.Contains(after))
                {
                    dependencies.Add(new Dependency(before, after, DependencyKind.WriteWrite, key));
                }
            }
        }

        // Reads of committed transactions: aborted and intermediate reads, order, wr and rw edges, lost updates.
        var readersOfVersion = new Dictionary<(long Key, int Length), SortedSet<int>>();
        foreach (var transaction in history.Where(transaction => committed.Contains(transaction.Id)))
        {
            foreach (var read in transaction.Operations.OfType<ReadOperation>())
            {
                CheckRead(transaction, read);
            }
        }
        foreach (var ((key, length), readers) in readersOfVersion.Where(pair => pair.Value.Count > 1))
        {
            Report(AnomalyKind.LostUpdate,
                $"{string.Join(" and ", readers.Select(id => byId[id]))} all read the version of key {key} with {length} elements and all appended to it",
                [.. readers]);
        }

        FindCycles(dependencies, Report);
        return new ListAppendReport { Anomalies = anomalies, Dependencies = dependencies, CommittedCount = committed.Count };

        void CheckRead(ListAppendTransaction transaction, ReadOperation read)
        {
            foreach (var value in read.Values)
            {
                if (!writerOf.TryGetValue((read.Key, value), out var writer))
                {
                    Report(AnomalyKind.GarbageRead, $"{transaction} read {value} from key {read.Key}, which nobody appended", transaction.Id);
                }
                else if (!committed.Contains(writer))
                {
                    Report(AnomalyKind.G1a, $"{transaction} read {value} from key {read.Key}, appended by {byId[writer]}, which did not commit",
                        transaction.Id, writer);
                }
            }
            // Its own appends at the end of a read are read-your-writes, not a dependency.
            var external = read.Values.ToList();
            while (external.Count > 0 && writerOf.GetValueOrDefault((read.Key, external[^1]), -1) == transaction.Id)
            {
                external.RemoveAt(external.Count - 1);
            }
            if (!finalLists.TryGetValue(read.Key, out var final))
            {
                return;
            }
            if (external.Count > final.Count || !external.SequenceEqual(final.Take(external.Count)))
            {
                Report(AnomalyKind.IncompatibleOrder,
                    $"{transaction} read key {read.Key} as [{string.Join(',', read.Values)}], not a prefix of its final list [{string.Join(',', final)}]",
                    transaction.Id);
                return;
            }
            var lastWriter = -1;
            if (external.Count > 0 && writerOf.TryGetValue((read.Key, external[^1]), out lastWriter))
            {
                if (lastWriter != transaction.Id && committed.Contains(lastWriter))
                {
                    dependencies.Add(new Dependency(lastWriter, transaction.Id, DependencyKind.WriteRead, read.Key));
                }
                var writerAppends = appendsOf[(lastWriter, read.Key)];
                if (writerAppends[^1] != external[^1])
                {
                    Report(AnomalyKind.G1b,
                        $"{transaction} read key {read.Key} as [{string.Join(',', read.Values)}], an intermediate state of {byId[lastWriter]}",
                        transaction.Id, lastWriter);
                }
            }
            // rw: the next version in the final order, by the first transaction after the one it read.
            var next = external.Count;
            while (next < final.Count && writerOf.GetValueOrDefault((read.Key, final[next]), -1) == lastWriter && lastWriter >= 0)
            {
                next++;
            }
            if (next < final.Count && writerOf.TryGetValue((read.Key, final[next]), out var overwriter)
                && overwriter != transaction.Id && committed.Contains(overwriter))
            {
                dependencies.Add(new Dependency(transaction.Id, overwriter, DependencyKind.ReadWrite, read.Key));
            }
            if (appendsOf.ContainsKey((transaction.Id, read.Key)))
            {
                if (!readersOfVersion.TryGetValue((read.Key, external.Count), out var readers))
                {
                    readersOfVersion[(read.Key, external.Count)] = readers = [];
                }
                readers.Add(transaction.Id);
            }
        }
    }

    /// <summary>Classifies the cycles of the dependency graph: G0, G1c, G-single, and G2 (allowed).</summary>
    private static void FindCycles(List<Dependency> dependencies, Action<AnomalyKind, string, int[]> report)
    {
        var all = Graph(dependencies);
        var component = StronglyConnectedComponents(all);
        // Only edges inside a strongly connected component of the whole graph can lie on a cycle.
        var cyclic = dependencies.Where(edge => component[edge.From] == component[edge.To]).ToList();
        if (cyclic.Count == 0)
        {
            return;
        }

        var writeWrite = Graph(cyclic.Where(edge => edge.Kind == DependencyKind.WriteWrite));
        var writeWriteComponent = StronglyConnectedComponents(writeWrite);
        foreach (var edge in cyclic.Where(edge => edge.Kind == DependencyKind.WriteWrite && writeWriteComponent[edge.From] == writeWriteComponent[edge.To]))
        {
            var path = FindPath(writeWrite, edge.To, edge.From);
            report(AnomalyKind.G0, Describe(edge, path), CycleMembers(edge, path));
            break;
        }

        var informationFlow = Graph(cyclic.Where(edge => edge.Kind != DependencyKind.ReadWrite));
        var informationFlowComponent = StronglyConnectedComponents(informationFlow);
        var reportedComponents = new HashSet<int>();
        foreach (var edge in cyclic.Where(edge => edge.Kind == DependencyKind.WriteRead && informationFlowComponent[edge.From] == informationFlowComponent[edge.To]))
        {
            if (reportedComponents.Add(informationFlowComponent[edge.From]))
            {
                var path = FindPath(informationFlow, edge.To, edge.From);
                report(AnomalyKind.G1c, Describe(edge, path), CycleMembers(edge, path));
            }
        }

        var cyclicGraph = Graph(cyclic);
        var reportedPairs = new HashSet<(int, int)>();
        foreach (var edge in cyclic.Where(edge => edge.Kind == DependencyKind.ReadWrite))
        {
            if (!reportedPairs.Add((edge.From, edge.To)))
            {
                continue;
            }
            // Back from the overwriter to the reader without another rw edge: exactly one rw in the cycle.
            var path = FindPath(informationFlow, edge.To, edge.From);
            if (path is not null)
            {
                report(AnomalyKind.GSingle, Describe(edge, path), CycleMembers(edge, path));
                continue;
            }
            path = FindPath(cyclicGraph, edge.To, edge.From);
            if (path is not null)
            {
                report(AnomalyKind.G2, Describe(edge, path), CycleMembers(edge, path));
            }
        }
    }

    private static Dictionary<int, List<Dependency>> Graph(IEnumerable<Dependency> edges)
    {
        var graph = new Dictionary<int, List<Dependency>>();
        foreach (var edge in edges)
        {
            if (!graph.TryGetValue(edge.From, out var outgoing))
            {
                graph[edge.From] = outgoing = [];
            }
            outgoing.Add(edge);
            graph.TryAdd(edge.To, []);
        }
        return graph;
    }

    /// <summary>Tarjan's algorithm, iteratively (a history may have many thousands of transactions): node to component number.</summary>
    private static Dictionary<int, int> StronglyConnectedComponents(Dictionary<int, List<Dependency>> graph)
    {
        var index = new Dictionary<int, int>();
        var lowLink = new Dictionary<int, int>();
        var onStack = new HashSet<int>();
        var stack = new Stack<int>();
        var component = new Dictionary<int, int>();
        var nextIndex = 0;
        var nextComponent = 0;
        foreach (var root in graph.Keys)
        {
            if (index.ContainsKey(root))
            {
                continue;
            }
            var work = new Stack<(int Node, int Edge)>();
            work.Push((root, 0));
            index[root] = lowLink[root] = nextIndex++;
            stack.Push(root);
            onStack.Add(root);
            while (work.Count > 0)
            {
                var (node, edge) = work.Pop();
                var outgoing = graph[node];
                if (edge < outgoing.Count)
                {
                    work.Push((node, edge + 1));
                    var next = outgoing[edge].To;
                    if (!index.ContainsKey(next))
                    {
                        index[next] = lowLink[next] = nextIndex++;
                        stack.Push(next);
                        onStack.Add(next);
                        work.Push((next, 0));
                    }
                    else if (onStack.Contains(next))
                    {
                        lowLink[node] = Math.Min(lowLink[node], index[next]);
                    }
                    continue;
                }
                if (lowLink[node] == index[node])
                {
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
                        component[member] = nextComponent;
                    }
                    while (member != node);
                    nextComponent++;
                }
                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    lowLink[parent] = Math.Min(lowLink[parent], lowLink[node]);
                }
            }
        }
        return component;
    }

    /// <summary>A shortest path of edges from one node to another, or null.</summary>
    private static List<Dependency>? FindPath(Dictionary<int, List<Dependency>> graph, int from, int to)
    {
        if (!graph.ContainsKey(from))
        {
            return null;
        }
        var cameBy = new Dictionary<int, Dependency?> { [from] = null };
        var queue = new Queue<int>();
        queue.Enqueue(from);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            if (node == to)
            {
                var path = new List<Dependency>();
                while (cameBy[node] is { } edge)
                {
                    path.Add(edge);
                    node = edge.From;
                }
                path.Reverse();
                return path;
            }
            foreach (var edge in graph[node])
            {
                if (cameBy.TryAdd(edge.To, edge))
                {
                    queue.Enqueue(edge.To);
                }
            }
        }
        return null;
    }

    private static string Describe(Dependency first, List<Dependency>? rest) =>
        "cycle " + string.Join(", ", new[] { first }.Concat(rest ?? []));

    private static int[] CycleMembers(Dependency first, List<Dependency>? rest) =>
        [first.From, .. (rest ?? []).Select(edge => edge.From)];
}
