namespace Log.QueryNode.Tests.Sql.Functions;

/// <summary>Pattern functions: each query's expected result (rows as psql -At prints them, NULL as "NULL") or SQLSTATE was
/// recorded from PostgreSQL 15 by running the query in cases/pattern.sql against it (TimeZone UTC, DateStyle ISO, MDY).</summary>
public sealed class PatternFunctionTests
{
    [Theory]
    [InlineData("select 'abc' ~ '^a', 'abc' ~ 'c$', 'abc' !~ 'b', 'AbC' ~* 'abc', 'abc' !~* 'B', 'abc' ~ 'd', null ~ 'a', 'a' ~ null", "t|t|f|t|f|f|NULL|NULL")]
    [InlineData("select 'a1b2' ~ '[[:digit:]]', 'ab' ~ '^[[:alpha:]]+$', 'a b' ~ '\\s', 'word' ~ '\\mwo', 'word' ~ 'rd\\M', 'a word' ~ '\\yword\\y', 'abc' ~ 'c\\Z', 'x]' ~ '[]x]+'", "t|t|t|t|t|t|t|t")]
    [InlineData("select E'x\\ny' ~ 'x.y', E'x\\ny' ~ '^y', E'ab\\n' ~ 'b$', E'a\\nb' ~ '[^a]b', 'a.c' ~ 'a\\.c', 'abc' ~ '(b|x)c', 'aaa' ~ '^a{2,3}$', 'ab' ~ '[[:<:]]ab[[:>:]]'", "t|f|f|t|t|t|t|t")]
    [InlineData("select 'a' ~ '('", "ERROR 2201B")]
    [InlineData("select 'a' ~ '[a'", "ERROR 2201B")]
    [InlineData("select 1 ~ 'a'", "ERROR 42883")]
    [InlineData("select 'abc' ~ 1", "ERROR 42883")]
    [InlineData("select regexp_replace('foobarbaz', 'b..', 'X'), regexp_replace('foobarbaz', 'b..', 'X', 'g'), regexp_replace('FooBar', 'o', '0', 'gi'), regexp_replace('abc', '(b)', '[\\1\\&\\\\]'), regexp_replace('a.b', '.', 'x', 'g'), regexp_replace('abc', 'B', 'x', 'i')", "fooXbaz|fooXX|F00Bar|a[bb\\]c|xxx|axc")]
    [InlineData("select regexp_replace('a$b', '\\$', '$$'), regexp_replace('2024-01-05', '(\\d+)-(\\d+)-(\\d+)', '\\3/\\2/\\1'), regexp_replace('abc', 'x', 'y'), regexp_replace(null, 'a', 'b'), regexp_replace('aaa', 'a*', '-', 'g')", "a$$b|05/01/2024|abc|NULL|--")]
    [InlineData("select regexp_replace('a', 'a', 'b', 'z')", "ERROR 22023")]
    [InlineData("select regexp_like('abc', 'B', 'i'), regexp_like('abc', '^b'), regexp_count('abcabc', 'b'), regexp_count('abcabc', 'b', 3), regexp_substr('abcabc', 'b.'), regexp_substr('abcabc', 'b.', 1, 2), regexp_substr('abc', 'x')", "t|f|2|1|bc|bc|NULL")]
    [InlineData("select regexp_like('a', 'a', 'g')", "ERROR 22023")]
    [InlineData("select 'abc' similar to 'a(b|c)+', 'abc' similar to 'a%', 'abc' not similar to '_b_', 'abc' similar to 'b', 'a.c' similar to 'a.c', 'abc' similar to 'a.c', 'a%c' similar to 'a#%c' escape '#', 'ab' similar to '[a-b]*'", "t|t|f|f|t|f|t|t")]
    [InlineData("select 'abc' similar to null, null similar to 'a', 'AB' similar to 'ab', 'aaa' similar to 'a{2,3}', 'ab' similar to 'a|b', 'a' similar to 'a|b'", "NULL|NULL|f|t|f|t")]
    [InlineData("select 'a' similar to 'a' escape 'xy'", "ERROR 22025")]
    [InlineData("select substring('foobar' from 'o.b'), substring('foobar' from 'o(.)b'), substring('foobar' from 'x'), substring('foobar' from '#\"o_b#\"%' for '#'), substring('foobar' similar '%#\"o_b#\"%' escape '#'), substring('foobar', 'o+')", "oob|o|NULL|NULL|oob|oo")]
    [InlineData("select similar_to_escape('(a|b)%_x.y$^'), similar_to_escape('a#\"b#\"c', '#'), similar_to_escape('ab', ''), like_escape('a#%b', '#'), like_escape('a\\b%', '#'), like_escape('a\\b', '')", "^(?:(?:a|b).*.x\\.y\\$\\^)$|^(?:a){1,1}?(b){1,1}(?:c)$|^(?:ab)$|a\\%b|a\\\\b%|a\\\\b")]
    [InlineData("select 'a%' like 'a\\%', 'ab' like 'a\\%', 'a%' like 'a#%' escape '#', 'ab' like 'a#%' escape '#', 'a\\b' like 'a\\b' escape '', 'A' ilike 'a', 'abc' like '%c' escape null, 'a_c' ilike 'A#_C' escape '#'", "t|f|t|f|t|t|NULL|t")]
    [InlineData("select 'ab' not like 'a%' escape '', 'ab' not ilike 'A%', 'x' like 'x' escape 'x'", "ERROR 22025")]
    [InlineData("select 'a' like 'a' escape 'xy'", "ERROR 22025")]
    [InlineData("select 'abc' ~~ 'a%', 'abc' !~~ 'a%', 'ABC' ~~* 'a%', 'ABC' !~~* 'a%', 'abc' ^@ 'ab', textregexeq('abc', 'b')", "t|f|t|f|t|t")]
    [InlineData("select 'a' like 'a\\', 'ab' like 'ab#' escape '#', 'a' like 'a#' escape '#'", "f|f|f")]
    [InlineData("select 'a\\' like 'a\\'", "ERROR 22025")]
    [InlineData("select 'ab' like '%\\'", "ERROR 22025")]
    public void Matches_postgresql(string sql, string expected) => FunctionCase.Check(sql, expected);
}
