using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

public sealed class ConflictWindowTests
{
    private static HybridTimestamp At(long milliseconds) => HybridTimestamp.From(milliseconds, 0);

    private static IReadOnlyList<JournalWrite> Writes(params string[] keys) => [.. keys.Select(key => Keys.Write(key))];

    [Fact]
    public void Key_committed_after_the_start_conflicts_and_before_does_not()
    {
        var window = new ConflictWindow();
        window.Record(Writes("a"), At(100));

        var later = window.Check(At(99), Writes("a"), []);
        var atCommit = window.Check(At(100), Writes("a"), []);
        var other = window.Check(At(50), Writes("b"), []);

        Assert.Equal(ConflictKind.Data, later.Kind);
        Assert.Equal(Keys.Of("a"), later.ConflictingKey);
        Assert.Equal(ConflictKind.None, atCommit.Kind);
        Assert.Equal(ConflictKind.None, other.Kind);
    }

    [Fact]
    public void Keys_compare_by_content_not_by_reference()
    {
        var window = new ConflictWindow();
        window.RecordKeys([Keys.Of("same")], At(10));

        var result = window.Check(At(5), [new JournalWrite(Keys.Of("same"), null)], []);

        Assert.Equal(ConflictKind.Data, result.Kind);
    }

    [Fact]
    public void Checks_report_their_kind_and_schema_wins_over_data()
    {
        var window = new ConflictWindow();
        window.Record(Writes("row", "catalog"), At(10));

        var data = window.Check(At(5), [], [new ConflictCheck(Keys.Of("row"), ConflictCheckKind.Data)]);
        var schema = window.Check(At(5), Writes("row"), [new ConflictCheck(Keys.Of("catalog"), ConflictCheckKind.Schema)]);
        var unchangedSchema = window.Check(At(10), [], [new ConflictCheck(Keys.Of("catalog"), ConflictCheckKind.Schema)]);

        Assert.Equal(ConflictKind.Data, data.Kind);
        Assert.Equal(Keys.Of("row"), data.ConflictingKey);
        Assert.Equal(ConflictKind.Schema, schema.Kind);
        Assert.Equal(Keys.Of("catalog"), schema.ConflictingKey);
        Assert.False(unchangedSchema.IsConflict);
    }

    [Fact]
    public void Trim_forgets_old_commits_and_refuses_starts_below_the_horizon()
    {
        var window = new ConflictWindow();
        window.Record(Writes("old"), At(10));
        window.Record(Writes("new"), At(30));

        var dropped = window.Trim(At(20));

        Assert.Equal(1, dropped);
        Assert.Equal(At(20), window.Horizon);
        Assert.Null(window.LastCommit(Keys.Of("old")));
        Assert.Equal(At(30), window.LastCommit(Keys.Of("new")));
        Assert.Equal(ConflictKind.TooOld, window.Check(At(19), Writes("x"), []).Kind);
        Assert.Equal(ConflictKind.Data, window.Check(At(20), Writes("new"), []).Kind);
        Assert.Equal(0, window.Trim(At(15)));
        Assert.Equal(At(20), window.Horizon);
    }

    [Fact]
    public void Trim_keeps_a_key_rewritten_after_the_horizon()
    {
        var window = new ConflictWindow();
        window.Record(Writes("k"), At(10));
        window.Record(Writes("k"), At(30));

        window.Trim(At(20));

        Assert.Equal(1, window.KeyCount);
        Assert.Equal(1, window.EntryCount);
        Assert.Equal(ConflictKind.Data, window.Check(At(25), Writes("k"), []).Kind);
    }

    [Fact]
    public void Recording_at_or_below_the_horizon_is_a_bug()
    {
        var window = new ConflictWindow();
        window.Trim(At(20));

        Assert.Throws<ArgumentOutOfRangeException>(() => window.Record(Writes("k"), At(20)));
    }

    [Fact]
    public void Too_many_entries_raise_the_horizon_instead_of_growing()
    {
        var window = new ConflictWindow(maxEntries: 3);
        for (var index = 1; index <= 5; index++)
        {
            window.Record(Writes($"k{index}"), At(index * 10));
        }

        Assert.Equal(3, window.EntryCount);
        Assert.Equal(At(20), window.Horizon);
        Assert.Equal(ConflictKind.TooOld, window.Check(At(15), Writes("k5"), []).Kind);
        Assert.Equal(ConflictKind.Data, window.Check(At(20), Writes("k3"), []).Kind);
    }

    [Fact]
    public void Too_many_bytes_raise_the_horizon_and_refuse_older_starts_rather_than_forget_a_conflict()
    {
        // Room for two entries of 104-byte keys and their bookkeeping, not three.
        var keyBytes = 104;
        var window = new ConflictWindow(maxBytes: 2 * (keyBytes + ConflictWindow.EntryOverheadBytes) + 1);
        byte[] Key(int index) => Enumerable.Repeat((byte)index, keyBytes).ToArray();
        for (var index = 1; index <= 4; index++)
        {
            window.Record([new JournalWrite(Key(index), [1])], At(index * 10));
            Assert.True(window.ByteCount <= 2 * (keyBytes + ConflictWindow.EntryOverheadBytes) + 1);
        }

        Assert.Equal(2, window.EntryCount);
        Assert.Equal(At(20), window.Horizon);
        // A start before the forgotten commits is refused as too old, not let through as if nothing had changed.
        Assert.Equal(ConflictKind.TooOld, window.Check(At(15), [new JournalWrite(Key(1), [2])], []).Kind);
        Assert.Equal(ConflictKind.Data, window.Check(At(25), [new JournalWrite(Key(3), [2])], []).Kind);
        Assert.Equal(ConflictKind.None, window.Check(At(40), [new JournalWrite(Key(4), [2])], []).Kind);
        window.Trim(At(100));
        Assert.Equal(0, window.ByteCount);
    }
}
