namespace Log.Wire.Tests;

/// <summary>Frontend messages of the extended query protocol, built by hand.</summary>
internal static class Frontend
{
    public static byte[] Parse(string name, string query, params int[] parameterTypes)
    {
        var body = new Bytes().CString(name).CString(query).Int16((short)parameterTypes.Length);
        foreach (int type in parameterTypes)
        {
            body.Int32(type);
        }
        return Bytes.Message('P', body);
    }

    /// <summary>Bind with text parameters (null is NULL) and the given result formats.</summary>
    public static byte[] Bind(string portal, string statement, string?[] textParameters, params short[] resultFormats) =>
        Bind(portal, statement, [], textParameters.Select(value => value is null ? null : System.Text.Encoding.UTF8.GetBytes(value)).ToArray(), resultFormats);

    public static byte[] Bind(string portal, string statement, short[] parameterFormats, byte[]?[] parameters, short[] resultFormats)
    {
        var body = new Bytes().CString(portal).CString(statement).Int16((short)parameterFormats.Length);
        foreach (short format in parameterFormats)
        {
            body.Int16(format);
        }
        body.Int16((short)parameters.Length);
        foreach (byte[]? parameter in parameters)
        {
            if (parameter is null)
            {
                body.Int32(-1);
            }
            else
            {
                body.Int32(parameter.Length).Raw(parameter);
            }
        }
        body.Int16((short)resultFormats.Length);
        foreach (short format in resultFormats)
        {
            body.Int16(format);
        }
        return Bytes.Message('B', body);
    }

    public static byte[] Describe(char kind, string name) => Bytes.Message('D', new Bytes().Char(kind).CString(name));

    public static byte[] Execute(string portal, int maxRows = 0) => Bytes.Message('E', new Bytes().CString(portal).Int32(maxRows));

    public static byte[] Close(char kind, string name) => Bytes.Message('C', new Bytes().Char(kind).CString(name));

    public static byte[] Sync() => Bytes.Message('S', []);

    public static byte[] Flush() => Bytes.Message('H', []);

    public static byte[] CopyData(string text) => Bytes.Message('d', System.Text.Encoding.UTF8.GetBytes(text));

    public static byte[] CopyDone() => Bytes.Message('c', []);

    public static byte[] CopyFail(string reason) => Bytes.Message('f', new Bytes().CString(reason));

    public static byte[] Concat(params byte[][] messages) => messages.SelectMany(message => message).ToArray();
}
