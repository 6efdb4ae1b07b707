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

    /// <summary>psql's \l, aligned and expanded (\x): what PostgreSQL 15's psql prints for a database of the same name
    /// created with the C locale (CREATE DATABASE ... TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'), Log's only collation.</summary>
    [Fact]
    public async Task ListDatabasesPrintsWhatPostgresPrintsAlignedAndExpanded()
    {
        var result = await Psql.RunAsync(Port, """
            \set ON_ERROR_STOP 1
            \l postgres
            \x on
            \l postgres
            \x off
            """, "-U", "postgres", "-P", "format=aligned", "-P", "tuples_only=off");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            """
                                                      List of databases
               Name   |  Owner   | Encoding | Collate | Ctype | ICU Locale | Locale Provider | Access privileges 
            ----------+----------+----------+---------+-------+------------+-----------------+-------------------
             postgres | postgres | UTF8     | C       | C     |            | libc            | 
            (1 row)

            List of databases
            -[ RECORD 1 ]-----+---------
            Name              | postgres
            Owner             | postgres
            Encoding          | UTF8
            Collate           | C
            Ctype             | C
            ICU Locale        | 
            Locale Provider   | libc
            Access privileges | 
            """.ReplaceLineEndings("\n"), result.Output.TrimEnd('\n'));
    }

    /// <summary>The commands whose output still differs from PostgreSQL's, with the reason. A command that starts to
    /// answer as PostgreSQL does fails the test until it leaves this list.</summary>
    private static readonly Dictionary<string, string> KnownDifferences = new()
    {
        ["\\do ||"] = "PostgreSQL's || over bit varying, tsquery and tsvector, types Log lacks, are not listed",
        ["\\df lower"] = "lower(anyrange) and lower(anymultirange) are not listed: Log has no range functions",
        ["\\dC int4"] = "casts to and from types Log lacks (bit, money, regconfig ...) and between integer and \"char\" are not listed",
    };

    /// <summary>Every command of PsqlCatalog/commands.txt over PsqlCatalog/schema.sql prints what PostgreSQL 15 printed
    /// (PsqlCatalog/describe.expected, recorded by PsqlCatalog/record.sh), except the known differences.</summary>
    [Fact]
    public Task DescribeCommandsPrintWhatPostgresPrints() => PsqlRecording.AssertMatchesAsync(Port, "PsqlCatalog", KnownDifferences,
        "DROP VIEW psqlcat_view; DROP SEQUENCE psqlcat_seq; DROP TABLE psqlcat_link; DROP TABLE psqlcat_child; DROP TABLE psqlcat_parent; DROP TABLE psqlcat_defaults;");

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
        Assert.Contains($"\"{name}_amount_check\" CHECK (amount >= 0::numeric)", output);
    }

    /// <summary>\d of tables in a schema off search_path: the header, the serial default, the foreign key and the
    /// "Referenced by" footer name them schema-qualified. The expected text is what PostgreSQL 15's psql printed for
    /// the same script.</summary>
    [Fact]
    public async Task DescribeTableInAnotherSchemaQualifiesItsNames()
    {
        string schema = $"psqlsc_{Guid.NewGuid():N}"[..16];
        var result = await Psql.RunAsync(Port, $"""
            \set ON_ERROR_STOP 1
            CREATE SCHEMA {schema};
            CREATE TABLE {schema}.p (id int PRIMARY KEY);
            CREATE TABLE {schema}.t (id serial PRIMARY KEY, p_id int REFERENCES {schema}.p (id) ON DELETE CASCADE, note text);
            \pset tuples_only off
            \d {schema}.t
            \d {schema}.p
            DROP SCHEMA {schema} CASCADE;
            """);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            $"""
            Table "{schema}.t"
            Column|Type|Collation|Nullable|Default
            id|integer||not null|nextval('{schema}.t_id_seq'::regclass)
            p_id|integer|||
            note|text|||
            Indexes:
                "t_pkey" PRIMARY KEY, btree (id)
            Foreign-key constraints:
                "t_p_id_fkey" FOREIGN KEY (p_id) REFERENCES {schema}.p(id) ON DELETE CASCADE
            Table "{schema}.p"
            Column|Type|Collation|Nullable|Default
            id|integer||not null|
            Indexes:
                "p_pkey" PRIMARY KEY, btree (id)
            Referenced by:
                TABLE "{schema}.t" CONSTRAINT "t_p_id_fkey" FOREIGN KEY (p_id) REFERENCES {schema}.p(id) ON DELETE CASCADE
            """.ReplaceLineEndings("\n"), result.Output);
    }
}
