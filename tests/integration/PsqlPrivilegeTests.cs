using Log.Integration.Tests.Support;

namespace Log.Integration.Tests;

/// <summary>psql's privilege commands (\dp and \z with column privileges, \ddp, \dn+, \du and \dg) over roles, grants,
/// column grants and ALTER DEFAULT PRIVILEGES print what PostgreSQL 15's psql printed for the same script
/// (PsqlPrivileges/, recorded by its record.sh).</summary>
[Collection(ServerCollection.Name)]
public sealed class PsqlPrivilegeTests(ServerFixture fixture)
{
    /// <summary>The commands whose output still differs from PostgreSQL's, with the reason.</summary>
    private static readonly Dictionary<string, string> KnownDifferences = new();

    [Fact]
    public Task PrivilegeCommandsPrintWhatPostgresPrints() =>
        PsqlRecording.AssertMatchesAsync(fixture.Server.Port, "PsqlPrivileges", KnownDifferences,
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PsqlPrivileges", "cleanup.sql")));
}
