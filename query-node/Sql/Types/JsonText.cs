namespace Log.QueryNode.Sql.Types;

/// <summary>A json value: the text as written (validated on input). A type of its own rather than a string so that
/// functions taking any value (to_jsonb, json_build_object) tell a json value from a text one, and the type registry
/// finds its handler from the value. Its <see cref="ToString"/> is json_out, which the wire codecs write.</summary>
internal sealed record JsonText(string Text)
{
    public override string ToString() => Text;
}
