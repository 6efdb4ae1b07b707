namespace Log.StorageNode;

/// <summary>
/// A journal reader whose offsets are not the same from one start to the next (the merged stream of the region topics,
/// <see cref="RegionMergeReader"/>): to resume at an offset after a restart it needs what it told the checkpoint taken
/// there. The storage node stores <see cref="PositionAt"/> in each checkpoint's manifest (and takes no checkpoint while
/// it answers null), and gives it back through <see cref="ResumeAt"/> before it reads again from a recovered checkpoint.
/// </summary>
public interface IJournalResumePoints
{
    /// <summary>What to resume a read at <paramref name="nextOffset"/> from, or null when the reader cannot resume there.</summary>
    byte[]? PositionAt(long nextOffset);

    /// <summary>The next read starts at <paramref name="nextOffset"/>, from <paramref name="position"/> (null: none was recorded).</summary>
    void ResumeAt(long nextOffset, byte[]? position);
}
