using System.Net;
using Log.QueryNode.Hosting;

namespace Log.QueryNode.Tests.Auth;

public sealed class AuthenticationSettingsTests
{
    [Theory]
    [InlineData("127.0.0.1", "", false)]
    [InlineData("::1", "", false)]
    [InlineData("0.0.0.0", "", true)]
    [InlineData("10.1.2.3", "", true)]
    [InlineData("127.0.0.1", "tokens", true)]
    [InlineData("127.0.0.1", "none", false)]
    public void TokensAreOnBeyondLoopbackOrWhenAskedFor(string listen, string auth, bool expected)
    {
        var options = new LogOptions { Listen = listen, Auth = auth };
        Assert.Null(options.Validate(out var address));
        Assert.Equal(expected, options.RequiresTokens(address));
    }

    [Theory]
    [InlineData("0.0.0.0", "none", "--auth tokens")]
    [InlineData("127.0.0.1", "scram", "must be tokens or none")]
    public void NoAuthenticationBeyondLoopbackAndUnknownKindsAreRefused(string listen, string auth, string words) =>
        Assert.Contains(words, new LogOptions { Listen = listen, Auth = auth }.Validate(out _));

    [Theory]
    [InlineData("db.example.com, localhost", new[] { "db.example.com", "localhost" }, null)]
    [InlineData(" , ", new string[0], "--endpoint")]
    [InlineData("a/b", new[] { "a/b" }, "--endpoint")]
    public void EndpointIsAListOfHostNames(string endpoint, string[] names, string? problem)
    {
        var options = new LogOptions { Endpoint = endpoint };
        Assert.Equal(names, options.Endpoints);
        if (problem is null)
        {
            Assert.Null(options.Validate(out _));
        }
        else
        {
            Assert.Contains(problem, options.Validate(out _));
        }
    }
}
