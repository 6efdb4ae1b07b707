namespace Log.QueryNode.Sql.Encoding;

/// <summary>
/// Shared boxes of small integers. Rows hold their values as objects, so decoding an integer column allocates a box per
/// row; small values (counts, amounts, categories, flags) are most of them, and a box is immutable, so one box per
/// value serves every row, as CPython's small-integer cache does.
/// </summary>
internal static class BoxedIntegers
{
    private const int SmallestCached = -128;
    private const int LargestCached = 1023;

    private static readonly object[] Int4Boxes = Boxes(value => value);
    private static readonly object[] Int8Boxes = Boxes(value => (long)value);

    public static object Of(int value) =>
        (uint)(value - SmallestCached) <= LargestCached - SmallestCached ? Int4Boxes[value - SmallestCached] : value;

    public static object Of(long value) =>
        (ulong)(value - SmallestCached) <= LargestCached - SmallestCached ? Int8Boxes[value - SmallestCached] : value;

    private static object[] Boxes(Func<int, object> box)
    {
        var boxes = new object[LargestCached - SmallestCached + 1];
        for (int index = 0; index < boxes.Length; index++) boxes[index] = box(SmallestCached + index);
        return boxes;
    }
}
