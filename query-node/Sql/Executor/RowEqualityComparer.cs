using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>Row equality for DISTINCT and GROUP BY: NULLs equal each other, values compare with SQL equality.</summary>
internal sealed class RowEqualityComparer(int width) : IEqualityComparer<object?[]>
{
    public bool Equals(object?[]? x, object?[]? y)
    {
        for (int index = 0; index < width; index++)
        {
            object? a = x![index];
            object? b = y![index];
            if (a is null || b is null)
            {
                if (a is null && b is null) continue;
                return false;
            }
            if (!ValueComparer.AreEqual(a, b)) return false;
        }
        return true;
    }

    public int GetHashCode(object?[] row)
    {
        var hash = new HashCode();
        for (int index = 0; index < width; index++)
        {
            hash.Add(ValueComparer.Hash(row[index]));
        }
        return hash.ToHashCode();
    }
}
