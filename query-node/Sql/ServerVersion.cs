namespace Log.QueryNode.Sql;

/// <summary>
/// The PostgreSQL release Log answers as, in one place: version(), SHOW server_version(_num), pg_settings and the
/// ParameterStatus a client reads at startup. Log's SQL, catalogs and error texts are PostgreSQL 15's (every recorded
/// test compares with a PostgreSQL 15 server), so it reports major version 15: clients choose their catalog queries
/// and features by it (psql's describe queries, SQLAlchemy's and Django's feature checks, DBeaver's dialect), and a
/// newer number would make them expect catalog columns and syntax that Log does not have. The minor version is 0:
/// Log is not a PostgreSQL build and has no patch level of one. version()'s text keeps PostgreSQL's shape,
/// "PostgreSQL 15.0 ..." (SQLAlchemy reads the number after the last "PostgreSQL "), then names Log where PostgreSQL
/// names its platform and compiler.
/// </summary>
internal static class ServerVersion
{
    public const string Number = "15.0";

    /// <summary>Major * 10000 + minor, as server_version_num writes it.</summary>
    public const string NumberAsInteger = "150000";

    public const string Text = "PostgreSQL " + Number + " (Log, an Aurora DSQL-style distributed SQL database)";
}
