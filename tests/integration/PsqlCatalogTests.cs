using Log.Integration.Tests.Support;

namespace Log.Integration.Tests;

/// <summary>psql's describe commands, which read pg_catalog, against the real server: each lists what it lists on
/// PostgreSQL for the same schema (unaligned, tuples only).</summary>
[Collection(ServerCollection.Name)]
public sealed class PsqlCatalogTests(ServerFixture fixture)
{
    private int Port => fixture.Server.Port;

    [Fact]
    public async Task DescribeCommandsListTablesIndexesViewsSequencesAndSchemas()
    {
        string name = $"cat_{Guid.NewGuid():N}"[..16];
        var result = await Psql.RunAsync(Port, $"""
            \set ON_ERROR_STOP 1
            CREATE TABLE {name} (id int PRIMARY KEY, label varchar(20) NOT NULL DEFAULT 'x', amount numeric(10,2) CHECK (amount > 0), UNIQUE (label));
            CREATE INDEX {name}_amount ON {name} (amount);
            CREATE VIEW {name}_v AS SELECT id FROM {name};
            CREATE SEQUENCE {name}_s;
            \dt {name}*
            \di {name}*
            \dv {name}*
            \ds {name}*
            \dn public
            DROP VIEW {name}_v;
            DROP SEQUENCE {name}_s;
            DROP TABLE {name};
            \dt {name}*
            """);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            $"""
            public|{name}|table|admin
            public|{name}_amount|index|admin|{name}
            public|{name}_label_key|index|admin|{name}
            public|{name}_pkey|index|admin|{name}
            public|{name}_v|view|admin
            public|{name}_s|sequence|admin
            public|pg_database_owner
            """.ReplaceLineEndings("\n"), result.Output);
    }

    [Fact]
    public async Task DescribeTableShowsColumnsTypesDefaultsIndexesAndChecks()
    {
        string name = $"dsc_{Guid.NewGuid():N}"[..16];
        var result = await Psql.RunAsync(Port, $"""
            \set ON_ERROR_STOP 1
            CREATE TABLE {name} (id serial PRIMARY KEY, label text NOT NULL UNIQUE, tags text[], amount numeric(12,2) CHECK (amount >= 0));
            CREATE INDEX {name}_amount ON {name} (amount);
            \d {name}
            DROP TABLE {name};
            """, "-P", "tuples_only=off");
        Assert.True(result.ExitCode == 0, result.ToString());
        string output = result.Output;
        Assert.Contains($"Table \"public.{name}\"", output);
        Assert.Contains($"id|integer||not null|nextval('{name}_id_seq'::regclass)", output);
        Assert.Contains("label|text||not null|", output);
        Assert.Contains("tags|text[]|||", output);
        Assert.Contains("amount|numeric(12,2)|||", output);
        Assert.Contains($"\"{name}_pkey\" PRIMARY KEY, btree (id)", output);
        Assert.Contains($"\"{name}_label_key\" UNIQUE CONSTRAINT, btree (label)", output);
        Assert.Contains($"\"{name}_amount\" btree (amount)", output);
        Assert.Contains($"\"{name}_amount_check\" CHECK (amount >= 0)", output);
    }
}
