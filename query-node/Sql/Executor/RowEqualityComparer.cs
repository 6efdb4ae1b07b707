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
            object? value = row[index];
            // numeric 1.5 and 1.50 are equal and hash alike; doubles normalise -0.
            hash.Add(value switch
            {
                null => 0,
                Log.Wire.Types.PgNumeric n => n.GetHashCode(), // equal numerics (1.5, 1.50) hash alike
                double d => d == 0 ? 0 : d.GetHashCode(),
                int or long or short or string or bool or DateTime or DateOnly => value.GetHashCode(),
                _ => TypeRegistry.ForValue(value) is { } handler ? handler.Hash(value) : value.GetHashCode(),
            });
        }
        return hash.ToHashCode();
    }
}
