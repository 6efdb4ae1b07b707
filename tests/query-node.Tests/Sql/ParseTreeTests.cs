using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Parser;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Tests.Sql;

/// <summary>The parser's trees for PostgreSQL 15's grammar (gram.y): FROM items and joins, subqueries, set operations,
/// VALUES, WITH, grouping sets, windows, array and row expressions, the special function syntaxes, ON CONFLICT,
/// UPDATE ... FROM, DELETE ... USING and EXPLAIN. Trees are compared as <see cref="ParseTreeText"/>; error messages
/// and positions are the ones PostgreSQL 15 reports for the same text.</summary>
public class ParseTreeTests
{
    private static string Tree(string sql) => ParseTreeText.Of(sql);

    private static T Parse<T>(string sql) where T : Statement => Assert.IsType<T>(ParseTreeText.Parse(sql));

    private static Expression Target(string expression) => Assert.Single(Parse<SelectStmt>("select " + expression).TargetList).Value;

    private static string TargetTree(string expression) => ParseTreeText.Write(Target(expression));

    private static string FromTree(string from) => ParseTreeText.Write(Parse<SelectStmt>("select * from " + from).From);

    // FROM lists and joins

    [Fact]
    public void Comma_separated_from_items_stay_separate_with_column_aliases()
    {
        Assert.Equal("[RangeVar(RelationName=t1), RangeVar(SchemaName=s RelationName=t2 Alias=x ColumnAliases=[c, d]), RangeVar(RelationName=t3 Alias=y)]",
            FromTree("t1, s.t2 as x(c, d), t3 y"));
    }

    [Fact]
    public void Joins_chain_to_the_left_with_their_kinds_and_qualifiers()
    {
        Assert.Equal(
            "[JoinExpr(Kind=Full Left=JoinExpr(Kind=Cross Left=JoinExpr(Kind=Left Left=JoinExpr(Kind=Inner Left=RangeVar(RelationName=a) "
            + "Right=RangeVar(RelationName=b) Quals=(a.x = b.x)) Right=RangeVar(RelationName=c) UsingColumns=[y] Alias=u) "
            + "Right=RangeVar(RelationName=d)) Right=RangeVar(RelationName=e) IsNatural=True)]",
            FromTree("a join b on a.x = b.x left outer join c using (y) as u cross join d natural full join e"));
        Assert.Equal("[JoinExpr(Kind=Right Left=RangeVar(RelationName=a) Right=RangeVar(RelationName=b) Quals=true)]", FromTree("a right join b on true"));
        Assert.Equal("[JoinExpr(Kind=Inner Left=RangeVar(RelationName=a) Right=RangeVar(RelationName=b) Quals=true)]", FromTree("a inner join b on true"));
        Assert.Equal("[JoinExpr(Kind=Left Left=RangeVar(RelationName=a) Right=RangeVar(RelationName=b) IsNatural=True)]", FromTree("a natural left join b"));
    }

    [Fact]
    public void A_join_waiting_for_its_qualifier_takes_the_following_joins_as_its_right_side()
    {
        // gram.y cannot reduce "a JOIN b" without ON/USING, so "b JOIN c ON p1" becomes its right side.
        Assert.Equal("[JoinExpr(Kind=Inner Left=RangeVar(RelationName=a) Right=JoinExpr(Kind=Inner Left=RangeVar(RelationName=b) "
            + "Right=RangeVar(RelationName=c) Quals=p1) Quals=p2)]", FromTree("a join b join c on p1 on p2"));
    }

    [Fact]
    public void Parenthesized_joins_take_an_alias()
    {
        Assert.Equal("[JoinExpr(Kind=Inner Left=RangeVar(RelationName=a) Right=RangeVar(RelationName=b) UsingColumns=[k] Alias=j), RangeVar(RelationName=c)]",
            FromTree("(a join b using (k)) as j, c"));
        Assert.Equal("[JoinExpr(Kind=Left Left=JoinExpr(Kind=Inner Left=RangeVar(RelationName=a) Right=RangeVar(RelationName=b) Quals=true) "
            + "Right=RangeVar(RelationName=c) Quals=false)]", FromTree("(a join b on true) left join c on false"));
        Assert.Equal("[JoinExpr(Kind=Inner Left=RangeSubselect(Subquery=SelectStmt(TargetList=[ResTarget(Value=1)]) Alias=s) Right=RangeVar(RelationName=t) Quals=true)]",
            FromTree("((select 1) s join t on true)"));
    }

    [Fact]
    public void Subqueries_and_functions_in_from_with_lateral_ordinality_and_aliases()
    {
        Assert.Equal("[RangeSubselect(Subquery=SelectStmt(TargetList=[ResTarget(Value=1)]) Alias=s ColumnAliases=[n] Lateral=True), "
            + "RangeFunction(Function=FuncCall(Name=generate_series Arguments=[1, 3]) Alias=g ColumnAliases=[n, o] Lateral=True WithOrdinality=True), "
            + "RangeFunction(Function=FuncCall(Name=generate_series Arguments=[1, 2]) Alias=h), RangeSubselect(Subquery=SelectStmt(TargetList=[ResTarget(Value=2)]))]",
            FromTree("lateral (select 1) s(n), lateral generate_series(1, 3) with ordinality g(n, o), generate_series(1, 2) as h, (select 2)"));
        Assert.Equal("[RangeFunction(Function=FuncCall(Name=unnest Arguments=[A_ArrayExpr(Elements=[1, 2])] Schema=pg_catalog) Alias=u ColumnAliases=[x])]",
            FromTree("pg_catalog.unnest(array[1, 2]) u(x)"));
    }

    [Fact]
    public void Values_in_from_and_as_a_statement()
    {
        Assert.Equal("[RangeSubselect(Subquery=SelectStmt(ValuesLists=[[1, 'a'], [2, 'b']]) Alias=v ColumnAliases=[n, s])]",
            FromTree("(values (1, 'a'), (2, 'b')) as v(n, s)"));
        Assert.Equal("SelectStmt(ValuesLists=[[1, 'a'], [2, SetToDefault()]] SortClause=[SortBy(Expression=1)] Limit=1)",
            Tree("values (1, 'a'), (2, default) order by 1 limit 1"));
    }

    [Fact]
    public void Parenthesized_queries_in_from_may_hold_set_operations()
    {
        Assert.Equal("[RangeSubselect(Subquery=SelectStmt(Op=Union Larg=SelectStmt(TargetList=[ResTarget(Value=1)]) "
            + "Rarg=SelectStmt(TargetList=[ResTarget(Value=2)] SortClause=[SortBy(Expression=1)] Limit=1)) Alias=u)]",
            FromTree("((select 1) union (select 2 order by 1 limit 1)) as u"));
    }

    // Set operations and query-level clauses

    [Fact]
    public void Intersect_binds_tighter_and_set_operations_associate_left()
    {
        SelectStmt top = Parse<SelectStmt>("select 1 union select 2 intersect select 3 except all select 4");
        Assert.Equal(SetOperation.Except, top.Op);
        Assert.True(top.All);
        Assert.Equal(SetOperation.Union, top.Larg!.Op);
        Assert.False(top.Larg.All);
        Assert.Equal(SetOperation.Intersect, top.Larg.Rarg!.Op);
        Assert.Equal("4", ((A_Const)top.Rarg!.TargetList[0].Value).Text);

        SelectStmt left = Parse<SelectStmt>("select 1 except select 2 union distinct select 3");
        Assert.Equal(SetOperation.Union, left.Op);
        Assert.Equal(SetOperation.Except, left.Larg!.Op);

        SelectStmt intersections = Parse<SelectStmt>("select 1 intersect select 2 intersect all select 3");
        Assert.Equal(SetOperation.Intersect, intersections.Op);
        Assert.True(intersections.All);
        Assert.Equal(SetOperation.Intersect, intersections.Larg!.Op);
    }

    [Fact]
    public void Parentheses_override_set_operation_precedence()
    {
        SelectStmt top = Parse<SelectStmt>("select 1 intersect (select 2 union select 3)");
        Assert.Equal(SetOperation.Intersect, top.Op);
        Assert.Equal(SetOperation.Union, top.Rarg!.Op);
    }

    [Fact]
    public void Order_limit_and_locking_after_a_set_operation_apply_to_the_whole()
    {
        string locked = Tree("select 1 union select 2 order by 1 limit 2 offset 1 for update");
        Assert.StartsWith("SelectStmt(SortClause=[SortBy(Expression=1)] Limit=2 Offset=1 ForUpdate=True LockingClauses=[LockingClause(Strength", locked);
        Assert.EndsWith(" Op=Union Larg=SelectStmt(TargetList=[ResTarget(Value=1)]) Rarg=SelectStmt(TargetList=[ResTarget(Value=2)]))", locked);
        Assert.Equal("SelectStmt(SortClause=[SortBy(Expression=x Direction=Descending)] Op=Union Larg=SelectStmt(TargetList=[ResTarget(Value=1)]) "
            + "Rarg=SelectStmt(TargetList=[ResTarget(Value=2)] SortClause=[SortBy(Expression=x)] Limit=1))",
            Tree("(select 1) union (select 2 order by x limit 1) order by x desc"));
    }

    [Fact]
    public void Top_level_parenthesized_queries_and_table()
    {
        Assert.Equal("SelectStmt(TargetList=[ResTarget(Value=1)] Limit=3)", Tree("((select 1)) limit 3"));
        Assert.Equal("SelectStmt(TargetList=[ResTarget(Value=1)] SortClause=[SortBy(Expression=1)] Limit=2)", Tree("(select 1 order by 1) limit 2"));
        Assert.Equal("SelectStmt(TargetList=[ResTarget(Value=*)] From=[RangeVar(RelationName=t)])", Tree("table t"));
        Assert.Equal("SelectStmt(Op=Union Larg=SelectStmt(TargetList=[ResTarget(Value=*)] From=[RangeVar(RelationName=a)]) "
            + "Rarg=SelectStmt(TargetList=[ResTarget(Value=*)] From=[RangeVar(RelationName=b)]))", Tree("table a union table b"));
    }

    [Fact]
    public void Offset_rows_and_fetch_first()
    {
        Assert.Equal("SelectStmt(TargetList=[ResTarget(Value=x)] From=[RangeVar(RelationName=t)] Limit=5 Offset=2)",
            Tree("select x from t offset 2 rows fetch next 5 rows only"));
        Assert.Equal("SelectStmt(TargetList=[ResTarget(Value=x)] From=[RangeVar(RelationName=t)] Limit=1)", Tree("select x from t fetch first row only"));
    }

    [Fact]
    public void With_clauses_before_every_statement_kind()
    {
        Assert.Equal("SelectStmt(TargetList=[ResTarget(Value=*)] From=[RangeVar(RelationName=r)] With=WithClause(Ctes=["
            + "CommonTableExpr(Name=r ColumnNames=[n] Query=SelectStmt(Op=Union All=True Larg=SelectStmt(TargetList=[ResTarget(Value=1)]) "
            + "Rarg=SelectStmt(TargetList=[ResTarget(Value=(n + 1))] From=[RangeVar(RelationName=r)] Where=(n < 3)))), "
            + "CommonTableExpr(Name=m Query=SelectStmt(TargetList=[ResTarget(Value=1)]) Materialized=True), "
            + "CommonTableExpr(Name=d Query=DeleteStmt(Relation=RangeVar(RelationName=t) ReturningList=[ResTarget(Value=*)]) Materialized=False)] Recursive=True))",
            Tree("with recursive r(n) as (select 1 union all select n + 1 from r where n < 3), m as materialized (select 1), "
                + "d as not materialized (delete from t returning *) select * from r"));
        Assert.NotNull(Parse<InsertStmt>("with w as (select 1) insert into t select * from w").With);
        Assert.NotNull(Parse<UpdateStmt>("with w as (select 1) update t set a = 1").With);
        Assert.NotNull(Parse<DeleteStmt>("with w as (select 1) delete from t").With);
        Assert.NotNull(Parse<SelectStmt>("with w as (select 1) select 1 union select 2").With);
        CommonTableExpr cte = Assert.Single(Parse<SelectStmt>("with w as (insert into t values (1) returning a) select * from w").With!.Ctes);
        Assert.IsType<InsertStmt>(cte.Query);
        Assert.IsType<UpdateStmt>(Assert.Single(Parse<SelectStmt>("with w as (update t set a = 1 returning a) select 1").With!.Ctes).Query);
    }

    [Fact]
    public void Distinct_on_grouping_sets_and_window_clause()
    {
        Assert.Equal("SelectStmt(TargetList=[ResTarget(Value=a)] DistinctOn=[a, b] From=[RangeVar(RelationName=t)] GroupBy=["
            + "GroupingSet(Kind=Rollup Content=[a, GroupingSet(Kind=Simple Content=[b, c])]), GroupingSet(Kind=Cube Content=[d]), "
            + "GroupingSet(Kind=Sets Content=[GroupingSet(Kind=Simple Content=[a, b]), c, GroupingSet(Kind=Empty), GroupingSet(Kind=Rollup Content=[e])]), "
            + "GroupingSet(Kind=Empty), f] "
            + "WindowClause=[WindowDef(Name=w PartitionBy=[a] OrderBy=[SortBy(Expression=b)] Frame=WindowFrame(Mode=Rows "
            + "Start=WindowFrameBound(Kind=UnboundedPreceding) End=WindowFrameBound(Kind=CurrentRow) Exclusion=Ties)), "
            + "WindowDef(Name=v RefName=w OrderBy=[SortBy(Expression=c)])])",
            Tree("select distinct on (a, b) a from t group by rollup (a, (b, c)), cube (d), grouping sets ((a, b), c, (), rollup (e)), (), f "
                + "window w as (partition by a order by b rows between unbounded preceding and current row exclude ties), v as (w order by c)"));
    }

    // Expressions

    [Fact]
    public void Subqueries_as_expressions()
    {
        Assert.Equal("SubLink(Type=Expr Subselect=SelectStmt(TargetList=[ResTarget(Value=1)]))", TargetTree("(select 1)"));
        Assert.Equal("SubLink(Type=Exists Subselect=SelectStmt(TargetList=[ResTarget(Value=1)]))", TargetTree("exists (select 1)"));
        Assert.Equal("SubLink(Type=Any TestExpression=x OperatorName== Subselect=SelectStmt(TargetList=[ResTarget(Value=1)]))", TargetTree("x in (select 1)"));
        Assert.Equal("BoolExpr(Kind=Not Arguments=[SubLink(Type=Any TestExpression=x OperatorName== Subselect=SelectStmt(TargetList=[ResTarget(Value=2)]))])",
            TargetTree("x not in (select 2)"));
        Assert.Equal("SubLink(Type=Any TestExpression=x OperatorName=> Subselect=SelectStmt(TargetList=[ResTarget(Value=1)]))", TargetTree("x > some (select 1)"));
        Assert.Equal("SubLink(Type=All TestExpression=x OperatorName=<= Subselect=SelectStmt(TargetList=[ResTarget(Value=1)]))", TargetTree("x <= all (select 1)"));
        Assert.Equal("SubLink(Type=Array Subselect=SelectStmt(TargetList=[ResTarget(Value=1)]))", TargetTree("array(select 1)"));
        Assert.Equal("SubLink(Type=Any TestExpression=RowExpr(Arguments=[a, b]) OperatorName== Subselect=SelectStmt(TargetList=[ResTarget(Value=1), ResTarget(Value=2)]))",
            TargetTree("(a, b) in (select 1, 2)"));
    }

    [Fact]
    public void Ambiguous_parentheses_are_read_as_pg_does()
    {
        Assert.Equal("(SubLink(Type=Expr Subselect=SelectStmt(TargetList=[ResTarget(Value=1)])) + 1)", TargetTree("((select 1) + 1)"));
        Assert.Equal("RowExpr(Arguments=[SubLink(Type=Expr Subselect=SelectStmt(TargetList=[ResTarget(Value=1)])), 2])", TargetTree("((select 1), 2)"));
        Assert.Equal("SubLink(Type=Expr Subselect=SelectStmt(Op=Union Larg=SelectStmt(TargetList=[ResTarget(Value=1)]) Rarg=SelectStmt(TargetList=[ResTarget(Value=2)])))",
            TargetTree("((select 1) union select 2)"));
        Assert.Equal("InExpr(Argument=x List=[SubLink(Type=Expr Subselect=SelectStmt(TargetList=[ResTarget(Value=1)])), 2])", TargetTree("x in ((select 1), 2)"));
    }

    [Fact]
    public void Any_and_all_over_arrays()
    {
        Assert.Equal("A_ArrayOpExpr(Operator== Left=x Right=A_ArrayExpr(Elements=[1, 2]))", TargetTree("x = any (array[1, 2])"));
        Assert.Equal("A_ArrayOpExpr(Operator=<> Left=x Right='{1}' All=True)", TargetTree("x <> all ('{1}')"));
        Assert.Equal("A_ArrayOpExpr(Operator=~~ Left=x Right=A_ArrayExpr(Elements=['a%']))", TargetTree("x like any (array['a%'])"));
        Assert.Equal("A_ArrayOpExpr(Operator=!~~* Left=x Right=y All=True)", TargetTree("x not ilike all (y)"));
    }

    [Fact]
    public void Arrays_subscripts_and_rows()
    {
        Assert.Equal("A_ArrayExpr(Elements=[A_ArrayExpr(Elements=[1, 2]), A_ArrayExpr(Elements=[3, 4])])", TargetTree("array[[1, 2], [3, 4]]"));
        Assert.Equal("A_ArrayExpr()", TargetTree("array[]"));
        Assert.Equal("A_Indirection(Argument=t.a Indirection=[A_Indices(Upper=1), A_Indices(IsSlice=True Lower=1 Upper=2)])", TargetTree("t.a[1][1:2]"));
        Assert.Equal("A_Indirection(Argument=a Indirection=[A_Indices(IsSlice=True Upper=2)])", TargetTree("a[:2]"));
        Assert.Equal("A_Indirection(Argument=a Indirection=[A_Indices(IsSlice=True Lower=2)])", TargetTree("a[2:]"));
        Assert.Equal("A_Indirection(Argument=FuncCall(Name=f Arguments=[x]) Indirection=[A_Indices(Upper=1)])", TargetTree("(f(x))[1]"));
        Assert.Equal("A_Indirection(Argument=ParamRef(Number=1) Indirection=[A_Indices(Upper=(i + 1))])", TargetTree("$1[i + 1]"));
        Assert.Equal("A_Indirection(Argument=SubLink(Type=Expr Subselect=SelectStmt(TargetList=[ResTarget(Value=A_ArrayExpr(Elements=[1]))])) Indirection=[A_Indices(Upper=1)])",
            TargetTree("(select array[1])[1]"));
        Assert.Equal("RowExpr(Arguments=[a, b] ExplicitRow=True)", TargetTree("row(a, b)"));
        Assert.Equal("RowExpr(ExplicitRow=True)", TargetTree("row()"));
        Assert.Equal("InExpr(Argument=RowExpr(Arguments=[a, b]) List=[RowExpr(Arguments=[1, 2]), RowExpr(Arguments=[3, 4])])", TargetTree("(a, b) in ((1, 2), (3, 4))"));
        Assert.Equal("(RowExpr(Arguments=[a, b]) < RowExpr(Arguments=[1, 2] ExplicitRow=True))", TargetTree("(a, b) < row(1, 2)"));
    }

    [Fact]
    public void Aggregate_and_window_calls()
    {
        Assert.Equal("FuncCall(Name=count Arguments=[x] Distinct=True AggregateOrder=[SortBy(Expression=y Direction=Descending Nulls=Last)])",
            TargetTree("count(distinct x order by y desc nulls last)"));
        Assert.Equal("FuncCall(Name=sum Arguments=[x] Filter=(x > 0))", TargetTree("sum(x) filter (where x > 0)"));
        Assert.Equal("FuncCall(Name=percentile_cont Arguments=[0.5] AggregateOrder=[SortBy(Expression=x)] WithinGroup=True)",
            TargetTree("percentile_cont(0.5) within group (order by x)"));
        Assert.Equal("FuncCall(Name=rank Over=WindowDef(PartitionBy=[a] OrderBy=[SortBy(Expression=b)] Frame=WindowFrame(Mode=Groups "
            + "Start=WindowFrameBound(Kind=Preceding Offset=1) End=WindowFrameBound(Kind=Following Offset=1) Exclusion=CurrentRow)))",
            TargetTree("rank() over (partition by a order by b groups between 1 preceding and 1 following exclude current row)"));
        Assert.Equal("FuncCall(Name=sum Arguments=[x] Over=WindowDef(OrderBy=[SortBy(Expression=y)] Frame=WindowFrame(Mode=Range "
            + "Start=WindowFrameBound(Kind=Preceding Offset=TypeCast(Argument='1 day' TypeName=interval)) End=WindowFrameBound(Kind=CurrentRow))))",
            TargetTree("sum(x) over (order by y range interval '1 day' preceding)"));
        Assert.Equal("FuncCall(Name=sum Arguments=[x] Over=WindowDef(RefName=w IsBareReference=True))", TargetTree("sum(x) over w"));
        Assert.Equal("FuncCall(Name=count Star=True Filter=p Over=WindowDef(RefName=w))", TargetTree("count(*) filter (where p) over (w)"));
        Assert.Equal("FuncCall(Name=f Arguments=[1, A_ArrayExpr(Elements=[2])] VariadicLast=True)", TargetTree("f(1, variadic array[2])"));
        Assert.Equal("FuncCall(Name=f Arguments=[1] Schema=s)", TargetTree("s.f(1)"));
    }

    [Fact]
    public void Pattern_matching_and_other_operators()
    {
        Assert.Equal("LikeExpr(Argument=a Pattern=b Escape='x')", TargetTree("a like b escape 'x'"));
        Assert.Equal("LikeExpr(Argument=a Pattern=b IsNot=True CaseInsensitive=True)", TargetTree("a not ilike b"));
        Assert.Equal("SimilarToExpr(Argument=a Pattern=b Escape='!' IsNot=True)", TargetTree("a not similar to b escape '!'"));
        Assert.Equal("SimilarToExpr(Argument=a Pattern=(b || c))", TargetTree("a similar to b || c"));
        foreach (string op in new[] { "~", "~*", "!~", "!~*", "->", "->>", "#>", "#>>", "@>", "<@", "?", "?|", "?&", "||", "&&" })
        {
            // Written without spaces: the lexer must read each as one operator.
            Assert.Equal($"(a {op} b)", TargetTree($"a{op}b"));
        }
        Assert.Equal("(a < -1)", TargetTree("a<-1"));
        Assert.Equal("(a @- 1)", TargetTree("a@-1"));
        Assert.Equal("((a -> 'k') = 'v')", TargetTree("a->'k' = 'v'"));
        Assert.Equal("((a || b) ~ (c + 1))", TargetTree("a || b ~ c + 1"));
        Assert.Equal("(a IS DISTINCT FROM b)", TargetTree("a is distinct from b"));
    }

    [Fact]
    public void Prefix_operators_and_at_time_zone_follow_pg_precedence()
    {
        Assert.Equal("(~ (1 + 2))", TargetTree("~ 1 + 2"));
        Assert.Equal("(1 + (~ (2 * 3)))", TargetTree("1 + ~ 2 * 3"));
        Assert.Equal("FuncCall(Name=timezone Arguments=['utc', (- a)])", TargetTree("- a at time zone 'utc'"));
        Assert.Equal("(a + FuncCall(Name=timezone Arguments=['utc', b]))", TargetTree("a + b at time zone 'utc'"));
        Assert.Equal("(FuncCall(Name=timezone Arguments=['utc', a]) ^ 2)", TargetTree("a at time zone 'utc' ^ 2"));
        Assert.Equal("FuncCall(Name=timezone Arguments=['b', FuncCall(Name=timezone Arguments=['a', x])])", TargetTree("x at time zone 'a' at time zone 'b'"));
    }

    [Fact]
    public void Special_function_syntaxes_become_calls()
    {
        Assert.Equal("FuncCall(Name=extract Arguments=['year', x])", TargetTree("extract(year from x)"));
        Assert.Equal("FuncCall(Name=extract Arguments=['epoch', x])", TargetTree("extract('epoch' from x)"));
        Assert.Equal("FuncCall(Name=position Arguments=[b, 'a'])", TargetTree("position('a' in b)"));
        Assert.Equal("FuncCall(Name=substring Arguments=[x, 1, 2])", TargetTree("substring(x from 1 for 2)"));
        Assert.Equal("FuncCall(Name=substring Arguments=[x, 1, 2])", TargetTree("substring(x for 2 from 1)"));
        Assert.Equal("FuncCall(Name=substring Arguments=[x, 1, TypeCast(Argument=2 TypeName=int4)])", TargetTree("substring(x for 2)"));
        Assert.Equal("FuncCall(Name=substring Arguments=[x, 3])", TargetTree("substring(x from 3)"));
        Assert.Equal("FuncCall(Name=substring Arguments=[x, 1])", TargetTree("substring(x, 1)"));
        Assert.Equal("FuncCall(Name=substring Arguments=[x, 'a#\"b#\"', '#'])", TargetTree("substring(x similar 'a#\"b#\"' escape '#')"));
        Assert.Equal("FuncCall(Name=btrim Arguments=[y, 'x'])", TargetTree("trim(both 'x' from y)"));
        Assert.Equal("FuncCall(Name=ltrim Arguments=[y])", TargetTree("trim(leading from y)"));
        Assert.Equal("FuncCall(Name=rtrim Arguments=[y, 'z'])", TargetTree("trim(trailing y, 'z')"));
        Assert.Equal("FuncCall(Name=btrim Arguments=[y])", TargetTree("trim(y)"));
        Assert.Equal("FuncCall(Name=overlay Arguments=[x, 'a', 1, 2])", TargetTree("overlay(x placing 'a' from 1 for 2)"));
        Assert.Equal("FuncCall(Name=overlay Arguments=[x, 'a', 1])", TargetTree("overlay(x placing 'a' from 1)"));
        Assert.Equal("FuncCall(Name=current_time)", TargetTree("current_time"));
        Assert.Equal("FuncCall(Name=localtime Arguments=[0])", TargetTree("localtime(0)"));
        Assert.Equal("FuncCall(Name=current_timestamp Arguments=[3])", TargetTree("current_timestamp(3)"));
        Assert.Equal("FuncCall(Name=localtimestamp)", TargetTree("localtimestamp"));
    }

    [Fact]
    public void Between_symmetric_is_either_order_of_the_bounds()
    {
        Assert.Equal("BoolExpr(Kind=Or Arguments=[BetweenExpr(Argument=a Low=1 High=2), BetweenExpr(Argument=a Low=2 High=1)])", TargetTree("a between symmetric 1 and 2"));
        Assert.Equal("BoolExpr(Kind=And Arguments=[BetweenExpr(Argument=a Low=1 High=2 IsNot=True), BetweenExpr(Argument=a Low=2 High=1 IsNot=True)])",
            TargetTree("a not between symmetric 1 and 2"));
        Assert.Equal("BetweenExpr(Argument=a Low=1 High=2)", TargetTree("a between asymmetric 1 and 2"));
    }

    [Fact]
    public void Typed_literals_and_array_types()
    {
        Assert.Equal("TypeCast(Argument='1 day' TypeName=interval)", TargetTree("interval '1 day'"));
        Assert.Equal("TypeCast(Argument='2020-01-01' TypeName=timestamptz)", TargetTree("timestamp with time zone '2020-01-01'"));
        Assert.Equal("TypeCast(Argument='1.5' TypeName=float8)", TargetTree("double precision '1.5'"));
        Assert.Equal("TypeCast(Argument='x' TypeName=varchar(3))", TargetTree("varchar(3) 'x'"));
        Assert.Equal("TypeCast(Argument=x TypeName=int[])", TargetTree("x::int[]"));
        Assert.Equal("TypeCast(Argument='{1,2}' TypeName=text[])", TargetTree("'{1,2}'::text[]"));
        Assert.Equal("TypeCast(Argument='{}' TypeName=int4[])", TargetTree("'{}'::int4[][3]"));
        Assert.Equal("TypeCast(Argument='{}' TypeName=int4[])", TargetTree("cast('{}' as int4 array)"));
        Assert.Equal("TypeCast(Argument='{}' TypeName=numeric[](10,2))", TargetTree("'{}'::numeric(10,2)[]"));
        // A column named like a type stays a column.
        Assert.Equal("(time > 1)", TargetTree("time > 1"));
        Assert.Equal("interval", TargetTree("interval"));
    }

    // Statements

    [Fact]
    public void Insert_with_alias_on_conflict_and_query_sources()
    {
        Assert.Equal("InsertStmt(Relation=RangeVar(RelationName=t Alias=x) Columns=[ResTarget(Value=a Name=a), ResTarget(Value=b Name=b)] ValuesLists=[[1, 2]] "
            + "OnConflict=OnConflictClause(Action=DoUpdate InferenceColumns=[a] InferenceWhere=(b > 0) TargetList=[ResTarget(Value=excluded.b Name=b), "
            + "ResTarget(Value=1 Name=c), ResTarget(Value=SetToDefault() Name=d)] Where=(x.a = 1)))",
            Tree("insert into t as x (a, b) values (1, 2) on conflict (a) where b > 0 do update set b = excluded.b, (c, d) = (1, default) where x.a = 1"));
        Assert.Equal("InsertStmt(Relation=RangeVar(RelationName=t) ValuesLists=[[1]] ReturningList=[ResTarget(Value=*)] OnConflict=OnConflictClause(Action=DoNothing ConstraintName=t_pkey))",
            Tree("insert into t values (1) on conflict on constraint t_pkey do nothing returning *"));
        Assert.Equal("InsertStmt(Relation=RangeVar(RelationName=t) ValuesLists=[[1]] OnConflict=OnConflictClause(Action=DoNothing))",
            Tree("insert into t values (1) on conflict do nothing"));
        Assert.Equal("InsertStmt(Relation=RangeVar(RelationName=t) Select=SelectStmt(ValuesLists=[[1], [2]] SortClause=[SortBy(Expression=1)]))",
            Tree("insert into t values (1), (2) order by 1"));
        Assert.Equal("InsertStmt(Relation=RangeVar(RelationName=t) Columns=[ResTarget(Value=a Name=a)] Select=SelectStmt(Op=Union Larg=SelectStmt(TargetList=[ResTarget(Value=1)]) "
            + "Rarg=SelectStmt(TargetList=[ResTarget(Value=2)])) OnConflict=OnConflictClause(Action=DoNothing))",
            Tree("insert into t (a) (select 1) union (select 2) on conflict do nothing"));
        Assert.Equal("InsertStmt(Relation=RangeVar(RelationName=t) Select=SelectStmt(TargetList=[ResTarget(Value=*)] From=[RangeVar(RelationName=u)]) "
            + "OnConflict=OnConflictClause(Action=DoNothing))", Tree("insert into t select * from u on conflict do nothing"));
    }

    [Fact]
    public void Update_from_with_multiple_column_assignments_and_delete_using()
    {
        Assert.Equal("UpdateStmt(Relation=RangeVar(RelationName=t Alias=x) TargetList=[ResTarget(Value=1 Name=a), ResTarget(Value=2 Name=b), ResTarget(Value=3 Name=c), "
            + "ResTarget(Value=u.d Name=d)] Where=(x.id = u.id) ReturningList=[ResTarget(Value=*)] FromClause=[RangeVar(RelationName=u), RangeVar(RelationName=v)])",
            Tree("update t x set (a, b) = (1, 2), c = 3, (d) = row(u.d) from u, v where x.id = u.id returning *"));
        Assert.Equal("DeleteStmt(Relation=RangeVar(RelationName=t) Where=(t.id = u.id) UsingClause=[JoinExpr(Kind=Inner Left=RangeVar(RelationName=u) "
            + "Right=RangeVar(RelationName=v) UsingColumns=[id])])", Tree("delete from t using u join v using (id) where t.id = u.id"));
    }

    [Fact]
    public void Explain_with_and_without_options()
    {
        Assert.Equal("ExplainStmt(Query=SelectStmt(TargetList=[ResTarget(Value=1)]))", Tree("explain select 1"));
        Assert.Equal("ExplainStmt(Query=DeleteStmt(Relation=RangeVar(RelationName=t)) Options={analyze=null, verbose=null})", Tree("explain analyse verbose delete from t"));
        Assert.Equal("ExplainStmt(Query=UpdateStmt(Relation=RangeVar(RelationName=t) TargetList=[ResTarget(Value=1 Name=a)]) "
            + "Options={analyze=null, costs=off, format=JSON, timing=false, verbose=1})",
            Tree("explain (analyze, costs off, format 'JSON', timing false, verbose 1) update t set a = 1"));
        Assert.Equal("ExplainStmt(Query=SelectStmt(TargetList=[ResTarget(Value=1)]))", Tree("explain (select 1)"));
        Assert.IsType<InsertStmt>(Parse<ExplainStmt>("explain with w as (select 1) insert into t select * from w").Query);
    }

    [Theory]
    [InlineData("select 1", "SELECT", true)]
    [InlineData("values (1)", "SELECT", true)]
    [InlineData("table t", "SELECT", true)]
    [InlineData("select * from (select * from t for update) s", "SELECT", false)]
    [InlineData("select 1 union select 2 for share", "SELECT", false)]
    [InlineData("select x in (select 1 for key share) from t", "SELECT", false)]
    [InlineData("with d as (delete from t returning *) select * from d", "SELECT", false)]
    [InlineData("with s as (select 1) select * from s", "SELECT", true)]
    [InlineData("explain select * from t for update", "EXPLAIN", true)]
    [InlineData("explain delete from t", "EXPLAIN", true)]
    [InlineData("explain analyze delete from t", "EXPLAIN", false)]
    [InlineData("explain (analyze off) delete from t", "EXPLAIN", true)]
    [InlineData("explain (analyze true) select 1", "EXPLAIN", true)]
    [InlineData("explain (analyze on) select * from t for update", "EXPLAIN", false)]
    public void Command_tags_and_read_only(string sql, string tag, bool readOnly)
    {
        ParsedStatement statement = Assert.Single(new SqlEngine().Parse(sql));
        Assert.Equal(tag, statement.CommandTag);
        Assert.Equal(readOnly, statement.IsReadOnly);
    }

    [Fact]
    public void Locations_point_at_the_construct()
    {
        const string sql = "select x in (select 1), not y in (select 2) from a left join b on true";
        SelectStmt select = Parse<SelectStmt>(sql);
        Assert.Equal(sql.IndexOf(" in ", StringComparison.Ordinal) + 1, select.TargetList[0].Value.Location);
        Assert.Equal(sql.IndexOf("not", StringComparison.Ordinal), select.TargetList[1].Value.Location);
        Assert.Equal(sql.IndexOf("join", StringComparison.Ordinal), Assert.IsType<JoinExpr>(Assert.Single(select.From)).Location);
        SubLink scalar = Assert.IsType<SubLink>(Target("(select 1)"));
        Assert.Equal(7, scalar.Location);
    }

    // Errors, as PostgreSQL 15 reports them

    [Theory]
    [InlineData("select 1 like 2 like 3", "42601", "syntax error at or near \"like\"", 17)]
    [InlineData("select * from (t) x", "42601", "syntax error at or near \")\"", 17)]
    [InlineData("select * from a join b join c on true", "42601", "syntax error at end of input", 38)]
    [InlineData("select * from t natural cross join u", "42601", "syntax error at or near \"cross\"", 25)]
    [InlineData("select * from t cross join u on true", "42601", "syntax error at or near \"on\"", 30)]
    [InlineData("select * from lateral (t join u on true)", "42601", "syntax error at or near \"t\"", 24)]
    [InlineData("(select 1 order by 1) order by 1", "42601", "multiple ORDER BY clauses not allowed", 32)]
    [InlineData("(select 1 limit 1) limit 2", "42601", "multiple LIMIT clauses not allowed", 26)]
    [InlineData("(select 1 offset 1) offset 2", "42601", "multiple OFFSET clauses not allowed", 28)]
    [InlineData("with a as (select 1) (with b as (select 2) select 3)", "42601", "multiple WITH clauses not allowed", 1)]
    [InlineData("with w as (select 1) with v as (select 2) select 1", "42601", "syntax error at or near \"with\"", 22)]
    [InlineData("select 1 union select 2 order by 1 order by 1", "42601", "syntax error at or near \"order\"", 36)]
    [InlineData("select 1 limit 1, 2", "42601", "LIMIT #,# syntax is not supported", 10)]
    [InlineData("select sum(a) over (rows unbounded following) from t", "42P20", "frame start cannot be UNBOUNDED FOLLOWING", 26)]
    [InlineData("select sum(a) over (rows 1 following) from t", "42P20", "frame starting from following row cannot end with current row", 26)]
    [InlineData("select sum(a) over (rows between unbounded following and current row) from t", "42P20", "frame start cannot be UNBOUNDED FOLLOWING", 34)]
    [InlineData("select sum(a) over (rows between current row and unbounded preceding) from t", "42P20", "frame end cannot be UNBOUNDED PRECEDING", 50)]
    [InlineData("select sum(a) over (rows between current row and 1 preceding) from t", "42P20", "frame starting from current row cannot have preceding rows", 50)]
    [InlineData("select sum(a) over (rows between 1 following and current row) from t", "42P20", "frame starting from following row cannot have preceding rows", 50)]
    [InlineData("select count(*) over (order by a rows between 1 preceding) from t", "42601", "syntax error at or near \")\"", 58)]
    [InlineData("select percentile_cont(0.5 order by a) within group (order by a) from t", "42601", "cannot use multiple ORDER BY clauses with WITHIN GROUP", 40)]
    [InlineData("select percentile_cont(distinct 0.5) within group (order by a) from t", "42601", "cannot use DISTINCT with WITHIN GROUP", 38)]
    [InlineData("update t set (a, b) = (1)", "0A000", "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression", 24)]
    [InlineData("update t set (a, b) = row(1)", "42601", "number of columns does not match number of values", 23)]
    [InlineData("update t set (a, b) = (1, 2, 3)", "42601", "number of columns does not match number of values", 23)]
    [InlineData("insert into t values (1) on conflict do update set a = 1", "42601", "ON CONFLICT DO UPDATE requires inference specification or constraint name", 26)]
    [InlineData("select f(x)[1]", "42601", "syntax error at or near \"[\"", 12)]
    [InlineData("select array[1,2][1]", "42601", "syntax error at or near \"[\"", 18)]
    [InlineData("select a.b.c.d(1)", "42601", "improper qualified name (too many dotted names): a.b.c.d", 8)]
    [InlineData("select a.b.c(1)", "0A000", "cross-database references are not implemented: a.b.c", 8)]
    [InlineData("select ((select 1) union)", "42601", "syntax error at or near \")\"", 25)]
    [InlineData("select (select 1 from) + 1", "42601", "syntax error at or near \")\"", 22)]
    [InlineData("select x in ((select 1 union), 2)", "42601", "syntax error at or near \")\"", 29)]
    [InlineData("select * from t where a in (select 1 from)", "42601", "syntax error at or near \")\"", 42)]
    [InlineData("select 1 from t where a = any (select 1 from)", "42601", "syntax error at or near \")\"", 45)]
    [InlineData("values (1) (2)", "42601", "syntax error at or near \"(\"", 12)]
    [InlineData("select * from t u(x, y, z", "42601", "syntax error at end of input", 26)]
    [InlineData("select * from t join u using (a) as", "42601", "syntax error at end of input", 36)]
    [InlineData("select 1 intersect select 2 union select 3 intersect", "42601", "syntax error at end of input", 53)]
    [InlineData("explain (analyze select 1", "42601", "syntax error at or near \"select\"", 18)]
    [InlineData("select distinct on a from t", "42601", "syntax error at or near \"a\"", 20)]
    [InlineData("select * from t group by grouping sets (a, (b, ()))", "42601", "syntax error at or near \")\"", 49)]
    [InlineData("select extract(from a) from t", "42601", "syntax error at or near \"from\"", 16)]
    [InlineData("select trim(both from)", "42601", "syntax error at or near \")\"", 22)]
    [InlineData("select a from t where exists (1)", "42601", "syntax error at or near \"1\"", 31)]
    [InlineData("table", "42601", "syntax error at end of input", 6)]
    public void Errors_match_postgresql(string sql, string sqlState, string message, int position)
    {
        SqlException exception = Assert.Throws<SqlException>(() => SqlParser.ParseAll(sql));
        Assert.Equal((sqlState, message, position), (exception.SqlState, exception.Message, exception.Position));
    }

    [Theory]
    [InlineData("select * from t tablesample system (10)")]
    [InlineData("select 1 fetch first 1 row with ties")]
    [InlineData("update t set (a, b) = (select 1, 2)")]
    [InlineData("select x collate \"de_DE\" from t")]
    [InlineData("select x from t group by distinct x")]
    public void Unsupported_constructs_are_feature_not_supported(string sql)
    {
        SqlException exception = Assert.Throws<SqlException>(() => SqlParser.ParseAll(sql));
        Assert.Equal(SqlState.FeatureNotSupported, exception.SqlState);
    }

    [Fact]
    public void Many_ambiguous_parentheses_parse_in_reasonable_time()
    {
        // Each '(' first tried as a query: failed attempts are remembered so the work stays polynomial.
        string sql = "select " + string.Concat(Enumerable.Repeat("((select 1) + ", 200)) + "1" + new string(')', 200);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Expression value = Assert.Single(Parse<SelectStmt>(sql).TargetList).Value;
        Assert.IsType<A_Expr>(value);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
    }

    [Theory]
    [InlineData("select * from ", "(", "select 1", ") s")]
    [InlineData("select * from ", "(", "a join b on true", ")")]
    [InlineData("select ", "(select ", "1", ")")]
    [InlineData("select ", "array[", "1", "]")]
    [InlineData("select ", "~ ", "1", "")]
    [InlineData("select ", "f(", "1", ")")]
    [InlineData("", "(", "select 1", ")")]
    [InlineData("select 1 from t group by ", "grouping sets (", "a", ")")]
    public void Deep_nesting_of_new_constructs_is_a_stack_depth_error(string prefix, string open, string middle, string close)
    {
        string sql = prefix + string.Concat(Enumerable.Repeat(open, 5000)) + middle + string.Concat(Enumerable.Repeat(close, 5000));
        SqlException exception = Assert.Throws<SqlException>(() => SqlParser.ParseAll(sql));
        Assert.Equal("54001", exception.SqlState);
    }
}
