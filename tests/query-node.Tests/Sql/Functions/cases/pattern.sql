select 'abc' ~ '^a', 'abc' ~ 'c$', 'abc' !~ 'b', 'AbC' ~* 'abc', 'abc' !~* 'B', 'abc' ~ 'd', null ~ 'a', 'a' ~ null
select 'a1b2' ~ '[[:digit:]]', 'ab' ~ '^[[:alpha:]]+$', 'a b' ~ '\s', 'word' ~ '\mwo', 'word' ~ 'rd\M', 'a word' ~ '\yword\y', 'abc' ~ 'c\Z', 'x]' ~ '[]x]+'
select E'x\ny' ~ 'x.y', E'x\ny' ~ '^y', E'ab\n' ~ 'b$', E'a\nb' ~ '[^a]b', 'a.c' ~ 'a\.c', 'abc' ~ '(b|x)c', 'aaa' ~ '^a{2,3}$', 'ab' ~ '[[:<:]]ab[[:>:]]'
select 'a' ~ '('
select 'a' ~ '[a'
select 1 ~ 'a'
select 'abc' ~ 1
select regexp_replace('foobarbaz', 'b..', 'X'), regexp_replace('foobarbaz', 'b..', 'X', 'g'), regexp_replace('FooBar', 'o', '0', 'gi'), regexp_replace('abc', '(b)', '[\1\&\\]'), regexp_replace('a.b', '.', 'x', 'g'), regexp_replace('abc', 'B', 'x', 'i')
select regexp_replace('a$b', '\$', '$$'), regexp_replace('2024-01-05', '(\d+)-(\d+)-(\d+)', '\3/\2/\1'), regexp_replace('abc', 'x', 'y'), regexp_replace(null, 'a', 'b'), regexp_replace('aaa', 'a*', '-', 'g')
select regexp_replace('a', 'a', 'b', 'z')
select regexp_like('abc', 'B', 'i'), regexp_like('abc', '^b'), regexp_count('abcabc', 'b'), regexp_count('abcabc', 'b', 3), regexp_substr('abcabc', 'b.'), regexp_substr('abcabc', 'b.', 1, 2), regexp_substr('abc', 'x')
select regexp_like('a', 'a', 'g')
select 'abc' similar to 'a(b|c)+', 'abc' similar to 'a%', 'abc' not similar to '_b_', 'abc' similar to 'b', 'a.c' similar to 'a.c', 'abc' similar to 'a.c', 'a%c' similar to 'a#%c' escape '#', 'ab' similar to '[a-b]*'
select 'abc' similar to null, null similar to 'a', 'AB' similar to 'ab', 'aaa' similar to 'a{2,3}', 'ab' similar to 'a|b', 'a' similar to 'a|b'
select 'a' similar to 'a' escape 'xy'
select substring('foobar' from 'o.b'), substring('foobar' from 'o(.)b'), substring('foobar' from 'x'), substring('foobar' from '#"o_b#"%' for '#'), substring('foobar' similar '%#"o_b#"%' escape '#'), substring('foobar', 'o+')
select similar_to_escape('(a|b)%_x.y$^'), similar_to_escape('a#"b#"c', '#'), similar_to_escape('ab', ''), like_escape('a#%b', '#'), like_escape('a\b%', '#'), like_escape('a\b', '')
select 'a%' like 'a\%', 'ab' like 'a\%', 'a%' like 'a#%' escape '#', 'ab' like 'a#%' escape '#', 'a\b' like 'a\b' escape '', 'A' ilike 'a', 'abc' like '%c' escape null, 'a_c' ilike 'A#_C' escape '#'
select 'ab' not like 'a%' escape '', 'ab' not ilike 'A%', 'x' like 'x' escape 'x'
select 'a' like 'a' escape 'xy'
select 'abc' ~~ 'a%', 'abc' !~~ 'a%', 'ABC' ~~* 'a%', 'ABC' !~~* 'a%', 'abc' ^@ 'ab', textregexeq('abc', 'b')
select 'a' like 'a\', 'ab' like 'ab#' escape '#', 'a' like 'a#' escape '#'
select 'a\' like 'a\'
select 'ab' like '%\'
