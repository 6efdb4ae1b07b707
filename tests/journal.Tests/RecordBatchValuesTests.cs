using Log.Journal.Node.Storage;

namespace Log.Journal.Tests;

/// <summary>The node's own batches (<see cref="RecordBatchValues.Build"/>): what it builds reads back as the same values
/// through the batch checks a produce goes through, for lengths around the varint boundaries and several records.</summary>
public sealed class RecordBatchValuesTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(1, 63)]
    [InlineData(1, 64)]
    [InlineData(1, 8191)]
    [InlineData(1, 8192)]
    [InlineData(1, 1 << 20)]
    [InlineData(3, 100)]
    [InlineData(200, 17)]
    public void A_built_batch_reads_back_as_its_values(int count, int length)
    {
        var random = new Random(count * 31 + length);
        var values = Enumerable.Range(0, count).Select(index =>
        {
            var value = new byte[length + index % 5];
            random.NextBytes(value);
            return value;
        }).ToList();

        var batch = RecordBatchValues.Build(values, timestampMs: 1_700_000_000_000);

        Assert.Null(RecordBatch.TryRead(batch, out var header));
        Assert.Equal(batch.Length, header.TotalBytes);
        Assert.Equal(count, header.RecordCount);
        var read = new List<byte[]>();
        Assert.Null(RecordBatchValues.TryRead(batch, header, read));
        Assert.Equal(values, read);
    }
}
