using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Tests.Sql;

/// <summary>The check each transaction starts with: a session let in by an IAM principal keeps going only while its
/// role is mapped to that principal (AWS IAM REVOKE stops its next transaction), and a session whose role was dropped
/// stops too; both with 28000, which the session sends as FATAL.</summary>
public sealed class TransactionAuthorizationTests
{
    private const string Principal = "arn:aws:iam::123456789012:role/app";

    private sealed class Session(string user, string? principal) : ISessionEnvironment
    {
        public DateTime TransactionStartUtc => DateTime.UnixEpoch;
        public long TransactionId { get; set; }
        public string? GetSetting(string name) => null;
        public string SetSetting(string name, string? value, bool isLocal) => value ?? "";
        public Random Random { get; set; } = new(1);
        public string UserName => user;
        public string? IamPrincipal => principal;
        public string DatabaseName => "postgres";
        public int ProcessId => 1;
        public SessionSequenceValues Sequences { get; } = new();
    }

    private static void Authorize(SqlHarness harness, Session session)
    {
        session.TransactionId++;
        harness.Engine.AuthorizeTransactionAsync(harness.Store, session, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    private static SqlException Refused(SqlHarness harness, Session session) => Assert.Throws<SqlException>(() => Authorize(harness, session));

    [Fact]
    public void A_revoked_mapping_stops_the_next_transaction()
    {
        var harness = new SqlHarness();
        harness.Run("CREATE ROLE app LOGIN");
        harness.Run($"AWS IAM GRANT app TO '{Principal}'");
        var session = new Session("app", Principal);
        Authorize(harness, session);
        Authorize(harness, session);

        harness.Run($"AWS IAM REVOKE app FROM '{Principal}'");
        SqlException refused = Refused(harness, session);
        Assert.Equal("28000", refused.SqlState);

        // Another principal's token never was authorised for the role.
        harness.Run($"AWS IAM GRANT app TO '{Principal}'");
        Authorize(harness, session);
        Assert.Equal("28000", Refused(harness, new Session("app", Principal + "-other")).SqlState);
    }

    [Fact]
    public void A_dropped_role_stops_its_sessions_even_when_the_name_comes_back()
    {
        var harness = new SqlHarness();
        harness.Run("CREATE ROLE app LOGIN");
        var session = new Session("app", null);
        Authorize(harness, session);
        harness.Run("DROP ROLE app");
        Assert.Equal("28000", Refused(harness, session).SqlState);
        harness.Run("CREATE ROLE app LOGIN");
        Assert.Equal("28000", Refused(harness, session).SqlState);
        // admin is built in: its sessions need no mapping and no stored role.
        Authorize(harness, new Session("admin", Principal));
    }

    [Fact]
    public void IsPrincipalMappedTo_answers_from_the_catalog()
    {
        var harness = new SqlHarness();
        harness.Run("CREATE ROLE app LOGIN");
        var catalog = new Log.QueryNode.Sql.Catalog.SqlCatalog();
        bool Mapped(string role) => catalog.IsPrincipalMappedToAsync(harness.Store, role, Principal, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        Assert.False(Mapped("app"));
        harness.Run($"AWS IAM GRANT app TO '{Principal}'");
        Assert.True(Mapped("app"));
        Assert.False(Mapped("nobody"));
        Assert.True(Mapped("admin"));
    }
}
