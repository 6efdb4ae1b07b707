namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// random() and setseed() with PostgreSQL 15's generator (pg_prng: xoroshiro128** seeded through splitmix64, 52 random
/// bits per double), so that a session that calls setseed(s) gets the same numbers from random() as PostgreSQL does.
/// </summary>
internal sealed class PostgresRandom : Random
{
    private ulong _state0;
    private ulong _state1;

    /// <summary>A generator seeded from the system's randomness (a session that never calls setseed).</summary>
    public PostgresRandom() => Seed((ulong)Shared.NextInt64() ^ ((ulong)Shared.NextInt64() << 1));

    /// <summary>setseed(seed), seed in [-1, 1]: the seed's 52-bit scaling, as pg_prng_fseed takes it.</summary>
    public PostgresRandom(double seed) => Seed((ulong)(long)(((1UL << 52) - 1) * seed));

    private void Seed(ulong seed)
    {
        _state0 = SplitMix(ref seed);
        _state1 = SplitMix(ref seed);
        if (_state0 == 0 && _state1 == 0) _state1 = 1;
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong value = state += 0x9E3779B97F4A7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }

    private ulong NextBits()
    {
        ulong first = _state0;
        ulong mixed = _state1 ^ first;
        ulong result = ulong.RotateLeft(first * 5, 7) * 9;
        _state0 = ulong.RotateLeft(first, 24) ^ mixed ^ (mixed << 16);
        _state1 = ulong.RotateLeft(mixed, 37);
        return result;
    }

    public override double NextDouble() => Math.ScaleB((double)(NextBits() >> 12), -52);

    protected override double Sample() => NextDouble();

    public override int Next(int maxValue) => (int)(NextDouble() * maxValue);
}
