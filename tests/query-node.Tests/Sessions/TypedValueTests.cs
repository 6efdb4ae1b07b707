using System.Buffers;
using Log.QueryNode.Sql;
using Log.QueryNode.Tests.Sql;
using Log.Wire.Types;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>Rows go out as CLR values that the wire's codecs encode by the column's type OID: every value the engine
/// produces must be what PgTypes expects for that OID, and its text must equal the engine's own text output.</summary>
public class TypedValueTests
{
    [Theory]
    [InlineData("select 1, 2::int2, 3::int8, 1.50, 2.5::float8, 'x', 'y'::varchar(3), 'z'::char(2), true, null")]
    [InlineData("select count(*), sum(1), avg(2), min(1.5::float8), max('b'), sum(2::int8), sum(1.5)")]
    [InlineData("select '2024-07-01'::date, '2024-07-01 12:34:56.5'::timestamp, '2024-07-01 12:00:00+00'::timestamptz")]
    [InlineData("select 1e100::float8, -0.0::float8, 1/3::float8, 10000000000, 2147483647 + 1::int8, length('abc'), abs(-2), round(2.5)")]
    [InlineData("select id, name, price, qty, big, ok, ratio, code from t")]
    [InlineData("select pg_sleep(0)")]
    public void Engine_values_match_the_codecs_for_their_type(string sql)
    {
        var harness = new SqlHarness();
        harness.Run("create table t (id integer primary key, name text, price numeric(6,2), qty smallint, big bigint, ok boolean, ratio double precision, code varchar(5)); insert into t values (1, 'apple', 1.5, 3, 10000000000, true, 0.5, 'A1'), (2, null, null, null, null, null, null, null)");
        StatementResult result = harness.Run(sql);
        Assert.NotEmpty(result.Rows);
        foreach (var row in result.Rows)
        {
            for (int index = 0; index < row.Length; index++)
            {
                var column = result.Columns![index];
                Assert.Equal(column.FormatText(row[index]), PgTypes.EncodeText(row[index], column.TypeOid, PgTypeSettings.Default));
                if (row[index] is { } value && column.TypeOid != 2278)
                {
                    var buffer = new ArrayBufferWriter<byte>();
                    PgTypes.EncodeBinary(value, column.TypeOid, buffer);
                    var decoded = PgTypes.DecodeBinary(buffer.WrittenSpan, column.TypeOid);
                    Assert.Equal(PgTypes.EncodeText(value, column.TypeOid, PgTypeSettings.Default), PgTypes.EncodeText(decoded, column.TypeOid, PgTypeSettings.Default));
                }
            }
        }
    }
}
