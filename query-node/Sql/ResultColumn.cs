using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

/// <summary>One column of a row description, as PostgreSQL's RowDescription carries it.</summary>
public sealed record ResultColumn(string Name, int TypeOid, short TypeSize, int TypeModifier)
{
    /// <summary>The column of a result of <paramref name="type"/>.</summary>
    internal static ResultColumn For(string name, SqlType type) => new(name, type.Oid, type.Size, type.Modifier);

    /// <summary>PostgreSQL's text output for the value (t/f, shortest float8, numeric with its scale); null stays null.</summary>
    public string? FormatText(object? value) => ValueFormatter.Format(value);
}
