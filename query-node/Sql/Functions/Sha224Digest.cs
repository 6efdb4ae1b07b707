using System.Buffers.Binary;

namespace Log.QueryNode.Sql.Functions;

/// <summary>SHA-224 (FIPS 180-4): SHA-256's compression with its own initial hash values, the digest cut to 224
/// bits. .NET's cryptography offers SHA-256 but not SHA-224, which PostgreSQL's sha224() needs.</summary>
internal static class Sha224Digest
{
    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private static readonly uint[] InitialHash =
    [
        0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
    ];

    public static byte[] Compute(ReadOnlySpan<byte> data)
    {
        uint[] hash = (uint[])InitialHash.Clone();
        // Padding: 0x80, zeros to 56 mod 64, then the bit length as a 64-bit big-endian number.
        int paddedLength = (data.Length + 9 + 63) / 64 * 64;
        var message = new byte[paddedLength];
        data.CopyTo(message);
        message[data.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(paddedLength - 8), (ulong)data.Length * 8);
        Span<uint> schedule = stackalloc uint[64];
        for (int block = 0; block < paddedLength; block += 64)
        {
            for (int index = 0; index < 16; index++)
            {
                schedule[index] = BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(block + index * 4));
            }
            for (int index = 16; index < 64; index++)
            {
                uint s0 = uint.RotateRight(schedule[index - 15], 7) ^ uint.RotateRight(schedule[index - 15], 18) ^ (schedule[index - 15] >> 3);
                uint s1 = uint.RotateRight(schedule[index - 2], 17) ^ uint.RotateRight(schedule[index - 2], 19) ^ (schedule[index - 2] >> 10);
                schedule[index] = schedule[index - 16] + s0 + schedule[index - 7] + s1;
            }
            uint a = hash[0], b = hash[1], c = hash[2], d = hash[3], e = hash[4], f = hash[5], g = hash[6], h = hash[7];
            for (int index = 0; index < 64; index++)
            {
                uint sum1 = uint.RotateRight(e, 6) ^ uint.RotateRight(e, 11) ^ uint.RotateRight(e, 25);
                uint choice = (e & f) ^ (~e & g);
                uint temporary1 = h + sum1 + choice + RoundConstants[index] + schedule[index];
                uint sum0 = uint.RotateRight(a, 2) ^ uint.RotateRight(a, 13) ^ uint.RotateRight(a, 22);
                uint majority = (a & b) ^ (a & c) ^ (b & c);
                uint temporary2 = sum0 + majority;
                h = g;
                g = f;
                f = e;
                e = d + temporary1;
                d = c;
                c = b;
                b = a;
                a = temporary1 + temporary2;
            }
            hash[0] += a; hash[1] += b; hash[2] += c; hash[3] += d;
            hash[4] += e; hash[5] += f; hash[6] += g; hash[7] += h;
        }
        var digest = new byte[28];
        for (int index = 0; index < 7; index++) BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(index * 4), hash[index]);
        return digest;
    }
}
